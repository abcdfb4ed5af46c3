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

TRAINING_DATA := config.yml domain.yml data/nlu.yml data/rules.yml data/stories.yml
MODEL := models/prescreening.tar.gz

.PHONY: setup train run shell test lock clean

setup: $(VENV)/.installed

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

# Retrains only when the training data changed (and Rasa itself skips unchanged parts).
train: $(MODEL)

$(MODEL): $(TRAINING_DATA) $(VENV)/.installed
	$(RASA) train --fixed-model-name prescreening --out models --data data/nlu.yml data/rules.yml data/stories.yml
	touch $@

run: setup train
	$(PY) -m bot run

shell: setup train
	$(PY) -m bot run --shell

test: setup train
	$(PY) -m pytest

# Re-resolve and pin every package in one pip run (see requirements.in).
lock:
	rm -rf /tmp/prescreening-lock && $(PYTHON310) -m venv /tmp/prescreening-lock
	/tmp/prescreening-lock/bin/pip install --quiet -r requirements.in
	/tmp/prescreening-lock/bin/pip check
	/tmp/prescreening-lock/bin/pip freeze > requirements.lock

clean:
	rm -rf $(VENV) models var .pytest_cache
