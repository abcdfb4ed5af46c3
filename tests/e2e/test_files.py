"""Files on disk: what the stack writes (the database with its -wal and -shm, the logs, the secrets) is
the owner's only, 0600 files in 0700 folders, so another local user cannot read health data."""
import stat
from pathlib import Path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_and_log_files_are_the_owners_only(stack, chat):
    chat.say("hello")
    chat.say("yes")
    chat.say("I'm 45")
    database = Path(stack.settings.database_url[len("sqlite:///"):])
    workdir = database.parent
    logs = sorted((workdir / "log").glob("*.log"))
    files = [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()] + logs
    assert database.exists() and len(logs) >= 3, files
    assert {str(p.name): oct(mode(p)) for p in files} == {str(p.name): oct(0o600) for p in files}
    assert {str(d): oct(mode(d)) for d in (workdir, workdir / "log")} == {
        str(d): oct(0o700) for d in (workdir, workdir / "log")}


def test_an_earlier_run_left_readable_is_tightened(tmp_path, monkeypatch):
    """keep_private also fixes files an older version (or a copy) left readable to everyone."""
    import importlib
    from bot import config
    (tmp_path / "log").mkdir(mode=0o755)
    for name in ("bot.db", "bot.db-wal", "log/rasa.log", "review_secret_key"):
        (tmp_path / name).write_text("x")
        (tmp_path / name).chmod(0o644)
    tmp_path.chmod(0o755)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_DATABASE_URL", raising=False)
    fresh = importlib.reload(config)
    try:
        old = __import__("os").umask(0o022)
        fresh.keep_private()
        assert {name: oct(mode(tmp_path / name)) for name in ("bot.db", "bot.db-wal", "log/rasa.log",
                                                              "review_secret_key")} == {
            name: oct(0o600) for name in ("bot.db", "bot.db-wal", "log/rasa.log", "review_secret_key")}
        assert (oct(mode(tmp_path)), oct(mode(tmp_path / "log"))) == (oct(0o700), oct(0o700))
    finally:
        __import__("os").umask(old)
        monkeypatch.undo()
        importlib.reload(config)
