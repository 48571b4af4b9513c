# hallq: `make demo` runs a demo hall, `make test` runs the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test bench samples lint system-deps clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[ui,test]'
	touch $(STAMP)

system-deps:
	./scripts/system-deps.sh

demo: system-deps $(STAMP)
	$(BIN)/hallq demo

test: system-deps $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench

samples: system-deps $(STAMP)
	$(BIN)/hallq samples --out docs/samples

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
