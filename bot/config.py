"""Settings from the environment, each with a working default for a laptop (see ARCHITECTURE.md)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_DIR / "var"))


def database_url() -> str:
    return os.environ.get("BOT_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bot.db'}"


def keep_private() -> None:
    """What we write is the owner's only: 0600 files in 0700 folders. The database and its -wal and -shm
    hold health data, the logs may name conversations, var/ holds the secrets. Sets this process's umask
    (every server the launcher starts inherits it) and tightens what an earlier run left readable."""
    os.umask(0o077)
    folders = [VAR_DIR, VAR_DIR / "log"]
    url = database_url()
    database = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
    for folder in folders:
        if folder.is_dir():
            folder.chmod(0o700)
            for path in folder.iterdir():
                if path.is_file():
                    path.chmod(0o600)
    if database is not None:
        for path in (database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))):
            if path.is_file():
                path.chmod(0o600)


def port(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def secret(variable: str, filename: str) -> str:
    """The environment variable's value, or a random one generated once into var/ (mode 0600)."""
    if os.environ.get(variable):
        return os.environ[variable]
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def other_studies_days() -> int:
    """How long a volunteer's consent to hear about the site's other studies, and the contact details given
    with it, are kept (bot/other_studies.py); the volunteer is told this number when asked."""
    return int(os.environ.get("OTHER_STUDIES_RETENTION_DAYS") or 365)
