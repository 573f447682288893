# opmodel — the two commands: `make run` (demo app on SQLite) and `make test` (the full suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format clean bench install

$(STAMP): pyproject.toml
	@python="$$(scripts/find-python)" && [ -x $(PY) ] || "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	@$(PY) manage.py demo_logins --host $(HOST) --port $(PORT)
	$(VENV)/bin/uvicorn opmodel.asgi:application --host $(HOST) --port $(PORT) --no-access-log

test: $(STAMP)
	scripts/test

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy opmodel canvas teams journeys workshops

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .


# Benchmarks: ratios to a floor measured in the same run; writes bench/RESULTS.md (QUICK=1: a subset).
bench: $(STAMP)
	$(PY) -m bench $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
