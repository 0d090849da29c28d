# The README's two commands: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bnkpi-installed
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: setup run test validate bench browser lab mutation clean-outputs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name bnkpi --display-name "Python (bnkpi)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium and ChromeDriver, for the test that renders the brief as a leader sees it.
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ]; then \
		echo "installing Debian chromium and chromium-driver"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/bnkpi run
	@echo "Outputs: $(CURDIR)/outputs (tables/, figures/, briefs/, notebooks/, manifest.json, run.log)"
	@echo "Processed data: $(CURDIR)/data/processed"

validate: $(STAMP)
	$(BIN)/bnkpi validate

test: $(STAMP) browser
	$(BIN)/python -m pytest

# JupyterLab for researchers (not needed by `make run`/`make test`): opens notebooks/ with the bnkpi kernel.
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab --notebook-dir=notebooks

# Mutation testing of pii.py, tfp.py, targets.py (mutmut, config in pyproject.toml); not part of `make test`.
# A fixed sample of the method mutants by default (SAMPLE=300); SAMPLE=all runs every one (hours on 2 cores).
SAMPLE ?= 300
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	rm -rf mutants
	nice $(BIN)/python tools/mutation.py $(if $(filter all,$(SAMPLE)),--all,--sample $(SAMPLE))

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py

clean-outputs:
	rm -rf outputs outputs_failed data/processed mutants
