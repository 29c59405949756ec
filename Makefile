.PHONY: run test lint bench screenshots
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run
screenshots:
	bash scripts/screenshots.sh
# Scale data on PostgreSQL (BENCH_DATABASE_URL), every figure beside its floor; writes
# bench/results/latest.json and docs/benchmarks.md. Larger: make bench ARGS="--large 50000".
bench:
	.venv/bin/python -m bench $(ARGS)
