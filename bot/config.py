"""Settings from the environment, each with a working default for a laptop (see ARCHITECTURE.md)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_DIR / "var"))


def database_url() -> str:
    return os.environ.get("BOT_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bot.db'}"


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
