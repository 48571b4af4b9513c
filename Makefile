# hallq: `make demo` runs a demo hall, `make test` runs the test suite (both call ./run).
.PHONY: demo test setup bench samples lint clean

demo:
	./run demo

test:
	./run test

setup:
	./run setup

lint: setup
	.venv/bin/ruff check .

bench: setup
	./bench/run-all.sh

samples: setup
	.venv/bin/hallq samples --out docs/samples

clean:
	rm -rf .venv build *.egg-info .pytest_cache
