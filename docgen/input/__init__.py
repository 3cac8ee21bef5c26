"""Input stage: the pydantic model of a consortium, loading from YAML/JSON/dict, the starter file."""
