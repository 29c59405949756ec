.PHONY: run test lint bench screenshots
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run
screenshots:
	bash scripts/screenshots.sh
bench:
	.venv/bin/python manage.py bench_pages --vendors 5000 && .venv/bin/python manage.py bench_binder --vendors 200
