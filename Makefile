# The two commands of the quick start: `make demo` renders the samples into out/, `make test` runs the
# tests. Each creates .venv and installs docgen into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint templates clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/docgen render samples/*.yaml -o out --force
	rm -rf out/marine-ai-changes   # change versions are never overwritten: start the demo series afresh
	$(BIN)/docgen change samples/marine-ai-v1.yaml samples/marine-ai-v2.yaml -o out/marine-ai-changes
	$(BIN)/docgen change samples/marine-ai-v2.yaml samples/marine-ai-v3.yaml -o out/marine-ai-changes
	@echo "Documents are in out/<sample>/ and out/marine-ai-changes/补充协议第N号/; each folder has a manifest.json."

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/docgen clauses --lint

# Rebuild the .docx templates from their script (the committed .docx files are its output).
templates: $(STAMP)
	$(BIN)/python templates/build_templates.py

clean:
	rm -rf out $(VENV) .pytest_cache
