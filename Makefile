# The README's two commands: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bnkpi-installed

.PHONY: setup run test validate clean-outputs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name bnkpi --display-name "Python (bnkpi)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/bnkpi run
	@echo "Outputs: $(CURDIR)/outputs (tables/, figures/, briefs/, notebooks/, manifest.json, run.log)"
	@echo "Processed data: $(CURDIR)/data/processed"

validate: $(STAMP)
	$(BIN)/bnkpi validate

test: $(STAMP)
	$(BIN)/python -m pytest

clean-outputs:
	rm -rf outputs outputs_failed data/processed
