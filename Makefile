PYTHON ?= .venv/bin/python
ARGS ?=

.PHONY: run test migrate demo messages

# The embedded demo on http://127.0.0.1:8000/ (SQLite, tasks in-process, demo data).
run:
	bash scripts/run.sh

# The whole test suite against PostgreSQL and Redis; pytest arguments via ARGS="...".
test:
	bash scripts/test.sh $(ARGS)

migrate:
	$(PYTHON) manage.py migrate

demo:
	$(PYTHON) manage.py load_demo

messages:
	$(PYTHON) manage.py makemessages -l nl -i node_modules -i staticfiles -i var -i htmlcov
	$(PYTHON) manage.py compilemessages -i .venv -i node_modules
