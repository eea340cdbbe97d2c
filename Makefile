# LedgerLens: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
CORPUS ?= ../shared/corpus

.PHONY: install system-deps migrate seed run test test-sqlite test-postgres lint bench-invoices bench-statements bench-restore bench-matching bench image image-smoke clean

$(STAMP): requirements/base.txt requirements/test.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/test.txt
	touch $(STAMP)

install: $(STAMP)
	$(MANAGE) compilemessages -v 0 --ignore=.venv --ignore=var --ignore=node_modules  # workbench zh-Hans catalog

system-deps:
	scripts/system_deps.sh

migrate: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

seed: migrate
	$(MANAGE) seed_reference_data
	$(MANAGE) ensure_admin

run: system-deps seed
	$(MANAGE) collectstatic --noinput -v 0
	scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: system-deps install lint test-sqlite test-postgres

test-sqlite:
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) collectstatic --noinput -v 0
	$(VENV)/bin/pytest

test-postgres:
	url=$$(scripts/postgres.sh start); status=0; \
	DATABASE_URL=$$url $(VENV)/bin/pytest -m "not e2e" -p no:cacheprovider || status=$$?; \
	scripts/postgres.sh stop; exit $$status

bench-invoices: install
	mkdir -p bench/results
	$(MANAGE) extract_documents --manifest $(CORPUS)/invoices/MANIFEST.tsv --output bench/results/invoices.jsonl
	$(PY) $(CORPUS)/score_invoices.py $(CORPUS)/invoices/MANIFEST.tsv bench/results/invoices.jsonl --json bench/results/invoices_score.json
	$(PY) bench/record.py invoices bench/results/invoices_score.json

bench-statements: install
	mkdir -p bench/results
	$(MANAGE) parse_statements $(CORPUS)/statements/lazyexpenses/*.pdf --output bench/results/statements.jsonl
	$(PY) $(CORPUS)/score_statements.py $(CORPUS)/statements/lazyexpenses bench/results/statements.jsonl --json bench/results/statements_score.json
	$(PY) bench/record.py statements bench/results/statements_score.json
	$(MANAGE) parse_statements $(CORPUS)/statements/lazyexpenses/*.pdf --no-templates --output bench/results/statements_generic.jsonl
	$(PY) $(CORPUS)/score_statements.py $(CORPUS)/statements/lazyexpenses bench/results/statements_generic.jsonl --json bench/results/statements_generic_score.json
	$(PY) bench/record.py statements_generic bench/results/statements_generic_score.json
	$(MANAGE) parse_statements $$(ls $(CORPUS)/statements/real/* | grep -v -e '\.expected\.json$$' -e 'MANIFEST') --output bench/results/statements_real.jsonl
	$(PY) $(CORPUS)/score_statements_real.py $(CORPUS)/statements/real bench/results/statements_real.jsonl --json bench/results/statements_real_score.json
	$(PY) bench/record.py statements_real bench/results/statements_real_score.json

bench-restore: install
	$(PY) bench/restore_drill.py  # SQLite, then PostgreSQL started by scripts/postgres.sh

# Receipt matching: 10,000 charges against 10,000 invoices (docs/benchmarks.md, "Matching").
bench-matching: install
	$(PY) bench/matching.py

.PHONY: bench-exports
bench-exports: install
	$(PY) bench/exports.py

# The container image (podman; not part of `make test`): docs/deployment.md#the-image.
image:
	scripts/image.sh build

# The image run as compose runs it (web, worker, PostgreSQL, Redis, nginx with TLS), probed
# through nginx: health, JWT login, an invoice upload to its final status.
image-smoke:
	scripts/image_smoke.sh

# #16: scale-out, faults and user load run against PostgreSQL (scripts/postgres.sh, ports of
# their own) and, for faults and load, a throwaway redis-server; each writes its section of
# docs/benchmarks.md. The fast versions of the kill -9 and two-cluster tests are in make test.
.PHONY: bench-deps bench-scale bench-faults bench-load
bench-deps: install
	$(PY) -m pip install -q -r requirements/bench.txt
	command -v redis-server >/dev/null || { [ "$$(id -u)" -eq 0 ] && SUDO= || SUDO=sudo; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }

bench-scale: install
	$(PY) bench/scale_out.py  # 200 documents: 1 cluster, then 2, on one database and broker

bench-faults: bench-deps
	$(PY) bench/faults.py  # kill -9, PostgreSQL restart, Redis down, disk full (root: tmpfs), SIGTERM

bench-load: bench-deps
	$(PY) bench/load.py  # locust, 60 s per step at 10/25/50/100 users (--steps, --step-s)

clean:
	rm -rf var bench/results tests/artifacts
