"""`python -m rasa_addons.serve run …`: Rasa's own command line, in a process whose output is redacted
(bot/redact.py) before the first log line: what volunteers type never reaches rasa.log, whether Rasa
logs it, warns with it or prints a traceback holding it. The launcher starts Rasa this way."""
import sys
import warnings

from bot import redact


def main() -> None:
    redact.install()
    # Rasa warns, quoting the line, when a payload typed by hand has arguments it cannot read: that is
    # the volunteer's own text, and the bot answers it anyway; the warning tells us nothing
    warnings.filterwarnings("ignore", message="Failed to parse arguments in line")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
