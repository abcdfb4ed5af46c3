"""`make audit`: pip-audit on requirements.lock and bandit on our code, run from .venv-tools.

Exceptions (accepted vulnerabilities) are read from security/pip-audit-exceptions.txt; an entry
without a reason, or for a package==version no longer in the lock, fails the audit. pip-audit gets
its data from PyPI's per-release JSON API; where that cannot be reached, the dependency audit is
skipped with a loud warning, or fails when AUDIT_REQUIRE_FEED=1.
"""
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXCEPTIONS = ROOT / "security" / "pip-audit-exceptions.txt"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def exceptions() -> list:
    locked = {canonical(line.split("==")[0]) + "==" + line.split("==")[1].strip()
              for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    ids, problems = [], []
    for number, line in enumerate(EXCEPTIONS.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) != 4 or not all(fields):
            problems.append(f"{EXCEPTIONS.name}:{number}: need four fields: ID | package | version | reason")
        elif f"{canonical(fields[1])}=={fields[2]}" not in locked:
            problems.append(f"{EXCEPTIONS.name}:{number}: {fields[1]}=={fields[2]} is not in requirements.lock "
                            "any more: remove or update the exception")
        else:
            ids.append(fields[0])
    if problems:
        sys.exit("\n".join(problems))
    return ids


def feed_reachable() -> bool:
    version = subprocess.run([BIN / "pip-audit", "--version"], capture_output=True, text=True).stdout.split()[-1]
    try:
        urllib.request.urlopen(f"https://pypi.org/pypi/pip-audit/{version}/json", timeout=15)
        return True
    except OSError:
        return False


def main() -> int:
    ignored = exceptions()
    if feed_reachable():
        command = [BIN / "pip-audit", "-r", ROOT / "requirements.lock", "--no-deps", "--disable-pip", "--strict",
                   "--progress-spinner", "off", *[arg for vuln in ignored for arg in ("--ignore-vuln", vuln)]]
        if subprocess.run(command).returncode:
            return 1
    elif os.environ.get("AUDIT_REQUIRE_FEED") == "1":
        print("error: PyPI's vulnerability API (pypi.org/pypi/NAME/VERSION/json) is not reachable: "
              "requirements.lock was NOT audited", file=sys.stderr)
        return 1
    else:
        print("WARNING: PyPI's vulnerability API (pypi.org/pypi/NAME/VERSION/json) is not reachable from here:\n"
              "WARNING: pip-audit SKIPPED, requirements.lock was NOT audited (AUDIT_REQUIRE_FEED=1 makes this an error).")
    paths = [p for p in ("bot", "actions", "rasa_addons") if (ROOT / p).is_dir()]
    done = subprocess.run([BIN / "bandit", "-c", ROOT / "bandit.yaml", "--severity-level", "medium",
                           "--confidence-level", "medium", "--quiet", "-r", *paths], cwd=ROOT)
    if done.returncode == 0:
        print(f"bandit: no finding of medium or higher severity and confidence in {', '.join(paths)}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
