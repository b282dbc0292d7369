# The two set-up commands: `make run` (try it) and `make test` (check it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: install system-packages run test lint syscheck translations bench cluster clean

install: system-packages $(STAMP)

# The Debian packages the service needs (WeasyPrint's libraries, the letters' Noto fonts):
# installed when missing, as root or with passwordless sudo; elsewhere the one apt-get
# command is printed and make stops. Standard library only: it runs before .venv/ exists.
system-packages:
	@$(PYTHON) -I petition_service/syscheck.py --install

# Reinstall only when the dependencies change, so a second `make install` is quick.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

syscheck: install
	@$(BIN)/python -m petition_service.syscheck

run: syscheck
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)."
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 1 --threads 8 wsgi:app

# Two app servers and a worker on the local PostgreSQL and Redis (see tools/cluster.py).
cluster: syscheck
	$(BIN)/python tools/cluster.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every figure of BENCHMARKS.md, one benchmark at a time, each bounded by a timeout (about 17
# minutes; BENCH_POSTGRES and BENCH_REDIS add the scale-out intake runs, about 7 more). The
# intake benchmark needs wrk (apt-get install wrk).
bench: install
	timeout 1200 $(BIN)/python bench/batch_render.py $(BENCH_ARGS)
	timeout 300 $(BIN)/python bench/demo_load.py
	timeout 2400 $(BIN)/python bench/intake.py --workers 2,4,8 --seconds 15 --runs 3 \
		$${BENCH_POSTGRES:+--postgres $$BENCH_POSTGRES} $${BENCH_REDIS:+--redis $$BENCH_REDIS}

# After changing user-facing text: extract it, merge it into the catalogs, translate the
# new entries in petition_service/translations/vi/LC_MESSAGES/messages.po, run again.
translations: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext \
		-o petition_service/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i petition_service/translations/messages.pot \
		-d petition_service/translations
	$(BIN)/pybabel compile --statistics -d petition_service/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
