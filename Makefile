# The README's two commands: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bnkpi-installed
LAB_STAMP := $(VENV)/.bnkpi-lab-installed
FILTER_STAMP := $(VENV)/.bnkpi-git-filter
# What a run adds to a notebook besides outputs (papermill timings, the kernel's version details): not committed.
STRIP_KEYS := metadata.papermill cell.metadata.papermill cell.metadata.execution \
	$(addprefix metadata.language_info.,codemirror_mode file_extension mimetype nbconvert_exporter pygments_lexer version)
# Extra options for `make lab`, e.g. LAB_ARGS="--ip=0.0.0.0 --port=8890"; as root --allow-root is added.
LAB_ARGS ?= --no-browser --ip=127.0.0.1
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: help setup run test validate bench browser lab mutation clean-outputs
.DEFAULT_GOAL := help

help:
	@echo "make run            set up .venv (once) and run the whole pipeline (bnkpi run)"
	@echo "make test           set up, then the test suite and every notebook through nbval"
	@echo "make lab            JupyterLab at the repository root for researchers (LAB_ARGS=... for options)"
	@echo "make validate       check the raw data (bnkpi validate)"
	@echo "make setup          only the set-up: .venv, the package, the bnkpi kernel, the nbstripout git filter"
	@echo "make mutation       mutation testing of pii.py, tfp.py, targets.py (slow; not part of make test)"
	@echo "make bench          time a cold run against the notebooks' code in one process"
	@echo "make clean-outputs  delete outputs/, outputs_failed/, outputs_scratch/ and data/processed/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name bnkpi --display-name "Python (bnkpi)" >/dev/null
	touch $(STAMP)

# nbstripout as the git filter named in .gitattributes: notebooks are committed without outputs, whatever
# Lab saved on disk (--keep-id: cell ids stay stable, so diffs show only real edits). Through
# tools/git-nbstripout, which says "run make setup" when .venv is missing. Its own stamp, so that a clone set up
# before this rule gets it without reinstalling the package.
$(FILTER_STAMP): $(STAMP) Makefile
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git config filter.nbstripout.clean '"$(CURDIR)/tools/git-nbstripout" --keep-id --extra-keys "$(STRIP_KEYS)"'; \
		git config filter.nbstripout.smudge cat; \
		git config filter.nbstripout.required true; \
		git config diff.ipynb.textconv '"$(CURDIR)/tools/git-nbstripout" -t --keep-id --extra-keys "$(STRIP_KEYS)"'; \
	fi
	@touch $(FILTER_STAMP)

setup: $(FILTER_STAMP)

# Debian's Chromium and ChromeDriver, for the test that renders the brief as a leader sees it.
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ]; then \
		echo "installing Debian chromium and chromium-driver"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: $(FILTER_STAMP)
	$(BIN)/bnkpi run
	@echo "Brief: $(CURDIR)/outputs/briefs/brief_vi.html   (then: ./bnkpi --help, or source .venv/bin/activate)"

# bnkpi validate is quiet on success without a terminal; the result line is said here in every case.
validate: $(FILTER_STAMP)
	@$(BIN)/bnkpi validate; rc=$$?; \
	if [ $$rc = 0 ]; then echo "make validate: the raw data in data/raw have no problems"; \
	else echo "make validate: the raw data have problems (listed above as file:row:column: message; exit $$rc)"; fi; \
	exit $$rc

# The unit and end-to-end tests, then every notebook through nbval (see [tool.pytest.ini_options]).
# Two workers (the machine's two cores); loadscope keeps each notebook's nbval cells and each test module's
# fixtures in one worker. Plain `pytest` (one process) runs the same suite.
test: $(FILTER_STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadscope

# JupyterLab for researchers (not needed by `make run`/`make test`): serves the repository root (notebooks,
# outputs, outputs_scratch, data) and opens notebooks/. Installs once (stamp), so later starts work offline.
$(LAB_STAMP): $(FILTER_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

# Mutation testing of pii.py, tfp.py, targets.py (mutmut, config in pyproject.toml); not part of `make test`.
# A fixed sample of the method mutants by default (SAMPLE=500, SEED=1919); SAMPLE=all runs every one (hours on 2 cores).
SAMPLE ?= 500
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	rm -rf mutants
	nice $(BIN)/python tools/mutation.py $(if $(filter all,$(SAMPLE)),--all,--sample $(SAMPLE))

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py

clean-outputs:
	rm -rf outputs .outputs.runs .outputs.lock outputs_failed outputs_scratch data/processed data/.processed.runs data/.processed.lock mutants
