# The README's two commands: `make demo` and `make test`. Both are safe to run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The PostgreSQL suite runs when this server answers; outside CI it is skipped, with the reason, when it does not.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL
# Where `make demo` serves, and where its e-mail catcher listens: `make demo PORT=5310 SMTP_PORT=8026`.
PORT ?= 5000
SMTP_PORT ?= 8025

.PHONY: install demo test chromium poppler lint bench messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The French catalogue (README "Languages"): compiled .mo files are committed; these rules rebuild one whose .po
# changed, so `make demo` and `make test` read what the .po says.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ --statistics

install: $(STAMP) $(COMPILED)

# Every user-visible string the code and templates mark (_, gettext, ngettext, _l, {% trans %}) into
# messages.pot, merged into each catalogue (new strings arrive empty, for a translator), then compiled.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --add-location=file --sort-by-file \
		--no-wrap --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics

demo: $(STAMP) $(COMPILED)
	FLASK_DEMO=true $(BIN)/flask --app app db upgrade
	FLASK_DEMO=true $(BIN)/flask --app app demo
	FLASK_DEMO=true $(BIN)/flask --app app demo-serve --port $(PORT) --smtp-port $(SMTP_PORT)

# Browser tests drive Debian's chromium; nothing downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The pay application tests look at the PDF's first page as an image with Debian's pdftoppm.
poppler:
	@command -v pdftoppm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils; }

test: $(STAMP) $(COMPILED) chromium poppler
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m ruff check .

bench: $(STAMP)
	$(BIN)/python bench/billings_page.py
