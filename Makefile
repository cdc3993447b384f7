# The two commands a newcomer needs: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: demo test lint format bench translations translations-update install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Compile locales/*/LC_MESSAGES/messages.po to .mo (not committed; the Docker build runs the same).
translations: $(STAMP)
	$(BIN)/python -m bot.i18n_build compile

# Re-extract locales/messages.pot from the code (mapping: [tool.babel] in pyproject.toml) and
# merge it into every catalog; then translate the new entries and run `make test`.
translations-update: $(STAMP)
	$(BIN)/python -m bot.i18n_build update

demo: install
	$(BIN)/inbeeld demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/python -m pytest -q
	INBEELD_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -m db

# Speed and memory, measured (results: bench/README.md). Full size takes ~40 min (the check-in
# waves on SQLite and PostgreSQL ~25); a quick run: `make bench BENCH_ARGS="--youths 200"`.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
