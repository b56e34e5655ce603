# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed from requirements.lock (exact versions and their hashes), so every machine
# runs what CI ran; `make lock` is the deliberate upgrade, `make test-latest` shows what it would bring.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
LATEST := .venv-latest
PORT ?= 5000

.DELETE_ON_ERROR:

.PHONY: run test test-postgres test-latest install lock clean screenshots

# compileall: pip writes an installed package's bytecode but not an editable one's; without it, and with
# PYTHONDONTWRITEBYTECODE set, every command compiles the modules it imports again (0.1 s of `ivr report`).
# -q prints only what failed to compile; .DELETE_ON_ERROR removes the ivr script pip just wrote when a step
# fails, so the next `make` installs again instead of finding it up to date.
$(BIN)/ivr: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q ivr
	@touch $(BIN)/ivr

install: $(BIN)/ivr

run: install
	$(BIN)/ivr serve --demo --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest -q

test-postgres: install  # the suite again on a throw-away PostgreSQL cluster (Debian's postgresql)
	.ci/with-postgres $(BIN)/pytest -q

screenshots: install  # the browser tests again, refreshing the README's pictures in docs/screenshots/
	IVR_UPDATE_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/desktop/test_desktop_browser.py \
		tests/desktop/test_reports_browser.py

lock: install  # newest versions pyproject.toml allows, with their hashes; then run `make test`
	$(BIN)/uv pip compile pyproject.toml requirements-tools.in --extra test --generate-hashes --universal \
		--python-version 3.11 --upgrade --quiet -o $(LOCK)

test-latest:  # the suite on the newest allowed versions, in a venv of its own: is an upgrade safe?
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	$(LATEST)/bin/pip freeze --exclude-editable > $(LATEST)/versions.txt
	@echo "newest allowed versions: $(LATEST)/versions.txt (compare with $(LOCK))"
	$(LATEST)/bin/pytest -q

clean:
	rm -rf $(VENV) $(LATEST) instance .pytest_cache
