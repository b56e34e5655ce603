# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-postgres install clean

$(BIN)/ivr: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/ivr

install: $(BIN)/ivr

run: install
	$(BIN)/ivr serve --demo --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -q

test-postgres: install  # the suite again on a throw-away PostgreSQL cluster (Debian's postgresql)
	.ci/with-postgres $(BIN)/pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache
