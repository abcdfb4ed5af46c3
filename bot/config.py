"""Settings from the environment, each with a working default for a laptop (see ARCHITECTURE.md)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_DIR / "var"))


def database_url() -> str:
    return os.environ.get("BOT_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bot.db'}"


def port(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)
