# The two commands of the quick start: `make demo` renders the samples into out/, `make test` runs the
# tests. Each creates .venv and installs docgen into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint templates clean system-deps browser-deps fuzz stress

# docgen needs Python 3.11+ with venv (Debian/Ubuntu: apt-get install python3-venv). A .venv left broken
# by an earlier failed install (no working python or pip inside) is removed and built again.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "docgen needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install one (e.g. apt-get install python3.11 python3.11-venv) and run: make PYTHON=python3.11 ..."; \
	  exit 1; }
	@if [ -d $(VENV) ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
	  echo "Removing the broken $(VENV) left by an earlier failed set-up"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV): install the venv module (Debian/Ubuntu: apt-get install python3-venv)."; \
	  rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[service,test]' || { rm -f $(STAMP); exit 1; }
	touch $(STAMP)

# PDF output needs LibreOffice, Noto CJK fonts and poppler: installed here when missing and we are root
# (apt-get); otherwise the PDF tests are skipped, each saying why.
# python3-uno: the service's LibreOffice kept running (warm PDF).
APT_PACKAGES := libreoffice-writer-nogui fonts-noto-cjk poppler-utils python3-uno
system-deps:
	@if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && fc-list | grep -q "Noto Serif CJK" \
	    && /usr/bin/python3 -c 'import uno' >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing $(APT_PACKAGES) (PDF output)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else echo "NOTE: LibreOffice/CJK fonts/python3-uno missing and not root: PDF output and the warm PDF are"; \
	  echo "      unavailable; their tests will be skipped, each saying why."; fi

# The web page's browser test drives Debian's chromium (only make test needs it); without it (not root,
# or the install fails) that test is skipped, saying why.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium (browser test of the web page)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
	    || echo "NOTE: chromium could not be installed: the browser test will be skipped."; \
	else echo "NOTE: chromium missing and not root: the browser test will be skipped."; fi

# Without LibreOffice (not installed, not root) the demo still renders every .docx, without PDFs.
demo: $(STAMP) system-deps
	@pdf=$$(command -v soffice >/dev/null 2>&1 && echo --pdf); set -ex; \
	$(BIN)/docgen render samples/*.yaml -o out --force --review $$pdf; \
	rm -rf out/marine-ai-changes; \
	$(BIN)/docgen render samples/marine-ai-v1.yaml -o out/marine-ai-changes; \
	$(BIN)/docgen change samples/marine-ai-v1.yaml samples/marine-ai-v2.yaml -o out/marine-ai-changes $$pdf; \
	$(BIN)/docgen change samples/marine-ai-v2.yaml samples/marine-ai-v3.yaml -o out/marine-ai-changes $$pdf; \
	$(BIN)/docgen change samples/marine-ai-v3.yaml samples/marine-ai-v4.yaml -o out/marine-ai-changes $$pdf; \
	if [ -n "$$pdf" ] && command -v pdftoppm >/dev/null 2>&1; then \
	  pdftoppm -png -r 60 -singlefile -f 1 -l 1 out/deep-sea-sensing/*组建协议.pdf out/agreement-first-page; \
	  echo "First page of the deep-sea agreement as an image: out/agreement-first-page.png"; fi
	@echo "Documents are in out/<sample>/ and out/marine-ai-changes/补充协议第N号/ (change versions are"
	@echo "never overwritten, so the demo starts that series afresh, from the original agreement rendered"
	@echo "into out/marine-ai-changes/, whose manifest pins the clause library the supplements quote);"
	@echo "each folder has a manifest.json."

test: $(STAMP) system-deps browser-deps
	$(BIN)/python -m pytest

# ruff (rule set in pyproject.toml), mypy strict on docgen/, and the clause library lint.
lint: $(STAMP)
	$(BIN)/ruff check docgen tests benchmarks templates
	$(BIN)/mypy
	$(BIN)/docgen clauses --lint

# The .docx templates are edited in Word or LibreOffice and committed as they are (templates/README.md).
# After an edit: merge the runs a tag was split into (same formatting only), then check every template
# (Jinja only in text, each tag in one run, every part valid Jinja, schema order); exit 1 on a problem.
templates: $(STAMP)
	$(BIN)/python -m docgen.render.templates --tidy templates/zh_CN/*.docx

clean:
	rm -rf out $(VENV) .pytest_cache

# Benchmarks (benchmarks/run.py): print a table and write BENCHMARKS.md (every target: figure, ratio,
# verdict) and BENCHMARKS.json (the same-run ratios). bench-quick (under a minute) re-measures those
# ratios and fails when one is more than 30 % worse than the committed BENCHMARKS.json.
.PHONY: bench bench-quick
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

# The invariant "whatever check accepts, render and change draft" on many more generated inputs than
# make test runs (tests/test_invariant.py): 10,000 loaded, checked and rendered, 300 drafting everything.
fuzz: $(STAMP)
	DOCGEN_FUZZ_EXAMPLES=10000 DOCGEN_FUZZ_RENDERS=300 $(BIN)/python -m pytest -q -p no:cacheprovider \
	  --hypothesis-show-statistics tests/test_invariant.py

# kill -9 during render --force (no mixed folder) and concurrent change and render runs into one folder
# (nothing lost): benchmarks/stress.py, 20 trials of each.
stress: $(STAMP)
	$(BIN)/python benchmarks/stress.py --trials 20
