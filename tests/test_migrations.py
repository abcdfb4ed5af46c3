"""Schema migrations (bot/migrations, Alembic) on SQLite and PostgreSQL: they build exactly the tables that
bot/store.py describes, they go down and up again, a database made before migrations existed is adopted
with its rows, and several processes migrating at once on PostgreSQL end at the same revision."""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from bot import config, store

OWN_TABLES = set(store.Base.metadata.tables)


def differences(url):
    """What Alembic's autogenerate would change to make the database match bot/store.py (Rasa's `events` aside)."""
    with create_engine(url, future=True).connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": lambda name, kind, _: kind != "table" or name in OWN_TABLES})
        return compare_metadata(context, store.Base.metadata)


def revision(url):
    with create_engine(url, future=True).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def tables(url):
    return set(inspect(create_engine(url, future=True)).get_table_names())


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("postgres")()


def test_migrations_build_exactly_the_models_and_go_down_and_up(fresh_url):
    assert store.migrate(fresh_url) == store.head_revision()
    assert OWN_TABLES <= tables(fresh_url)
    assert differences(fresh_url) == [], "bot/store.py changed without a migration: alembic revision --autogenerate"
    command.downgrade(store.alembic_config(fresh_url), "base")
    assert tables(fresh_url) & OWN_TABLES == set()
    assert revision(fresh_url) is None
    assert store.migrate(fresh_url) == store.head_revision()
    assert differences(fresh_url) == []


def test_a_database_from_before_migrations_is_adopted_with_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url, future=True)
    store.Base.metadata.create_all(engine)  # what bot/store.py did before migrations ...
    with engine.begin() as connection:
        connection.execute(store.StaffUser.__table__.insert().values(username="maria", password_hash="x",
                                                                     created_at=store.now()))
        # ... when it was revision 0001: without what the later migrations added
        for index in ("ix_referrals_queue", "ix_referral_changes_activity", "ix_screenings_started_at",
                      "ix_screenings_verdict"):  # 0010
            connection.execute(text(f"DROP INDEX {index}"))
        connection.execute(text("ALTER TABLE screenings DROP COLUMN trials"))  # 0011
        connection.execute(text("ALTER TABLE staff_users DROP COLUMN trials"))  # 0012
        connection.execute(text("ALTER TABLE referrals DROP COLUMN language"))
        connection.execute(text("ALTER TABLE referrals DROP COLUMN status_reason"))
        connection.execute(text("ALTER TABLE referral_changes DROP COLUMN reason"))
        connection.execute(text("ALTER TABLE staff_users DROP COLUMN disabled"))
        connection.execute(text("ALTER TABLE staff_users DROP COLUMN session_generation"))
        connection.execute(text("ALTER TABLE staff_users DROP COLUMN role"))
        connection.execute(text("ALTER TABLE staff_users DROP COLUMN must_change_password"))
        connection.execute(text("DROP TABLE login_throttle"))
        connection.execute(text("DROP TABLE callback_replies"))
        connection.execute(text("DROP TABLE sms_opt_outs"))
        connection.execute(text("DROP TABLE wechat_messages"))
        connection.execute(text("DROP TABLE other_studies_contacts"))
        connection.execute(text("DROP TABLE contact_attempts"))
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))  # Rasa's table
    assert revision(url) is None
    assert store.migrate(url) == store.head_revision()
    with engine.connect() as connection:
        assert connection.execute(select(store.StaffUser.username, store.StaffUser.role)).all() == [("maria", "admin")]
    assert "events" in tables(url), "a migration touched Rasa's tracker table"
    assert differences(url) == []


def test_users_from_before_roles_become_admins_and_later_ones_coordinators(fresh_url):
    """Migration 0009: the users who exist were added by the operator, so they become admins; a user added
    afterwards without a role (the column's default) is a coordinator, and nobody must change a password."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(store.alembic_config(fresh_url)).get_revision("0009").down_revision
    settings = store.alembic_config(fresh_url)
    command.upgrade(settings, before)
    engine = create_engine(fresh_url, future=True)
    with engine.begin() as connection:
        for name in ("operator", "maria"):
            connection.execute(text("INSERT INTO staff_users (username, password_hash, created_at) "
                                    "VALUES (:name, 'x', CURRENT_TIMESTAMP)"), {"name": name})
    assert store.migrate(fresh_url) == store.head_revision()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO staff_users (username, password_hash, created_at) "
                                "VALUES ('li', 'x', CURRENT_TIMESTAMP)"))
        users = connection.execute(text("SELECT username, role, must_change_password FROM staff_users "
                                        "ORDER BY id")).all()
    assert [(name, role, bool(change)) for name, role, change in users] == [
        ("operator", "admin", False), ("maria", "admin", False), ("li", "coordinator", False)]
    command.downgrade(settings, before)  # and back: the users stay, without roles
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM staff_users")).scalar_one() == 3
    assert "role" not in {c["name"] for c in inspect(engine).get_columns("staff_users")}
    engine.dispose()


def test_the_command_migrates_the_configured_database_and_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=config.PROJECT_DIR, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "BOT_DATABASE_URL": url,
                                            "BOT_VAR_DIR": str(tmp_path)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"migration {store.head_revision()}" in result.stdout
    assert revision(url) == store.head_revision()
    bad = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=config.PROJECT_DIR, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "BOT_VAR_DIR": str(tmp_path),
                                         "BOT_DATABASE_URL": "postgresql://bot:s3cret@127.0.0.1:1/nowhere"},
                         timeout=120)
    assert bad.returncode != 0
    assert "cannot reach the database" in bad.stderr and "Traceback" not in bad.stderr
    assert "s3cret" not in bad.stderr + bad.stdout


def test_concurrent_migrations_on_postgresql_end_at_the_same_revision(postgres):
    url = postgres()
    code = ("import sys; from bot import store; print(store.migrate(sys.argv[1]))")
    processes = [subprocess.Popen([sys.executable, "-c", code, url], cwd=config.PROJECT_DIR, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda p: p.communicate(timeout=120), processes))
    assert [p.returncode for p in processes] == [0] * 4, [err for _, err in results]
    assert [out.strip() for out, _ in results] == [store.head_revision()] * 4
    assert differences(url) == []


def test_the_running_stack_migrated_its_database_before_starting(stack):
    url = stack.settings.database_url
    assert revision(url) == store.head_revision()
    assert differences(url) == []
    assert "events" in tables(url)  # Rasa's tracker store shares the database and keeps its own table
