.PHONY: run test lint bench
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run
