"""The clause library: loading the YAML clauses (library.py), the clause engine and its lint."""
