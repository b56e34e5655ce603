"""The schema is made by Alembic migrations, and they describe exactly what ivr/store/models/calls.py declares."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, make_url, select, text
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ivr.app import create_app
from ivr.store import db
from ivr.store import schema
from ivr.cli import main
from ivr.store.db import make_engine
from ivr.store.models.calls import Base, Client

from tests.conftest import TOKEN
from tests.support.databases import on_postgres


def test_the_migrations_build_exactly_the_schema_the_models_declare(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    found = schema.differences(engine)
    engine.dispose()
    assert found == [], (
        "ivr/store/models/calls.py and ivr/migrations disagree; write the migration with "
        f"`ivr db revision -m 'what changed'` and review it. Differences: {found}"
    )


def test_a_model_change_without_a_migration_is_caught(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("reminders", changed, Column("id", Integer, primary_key=True), Column("phone", String(20)))
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), changed)
    engine.dispose()
    assert [d[0] for d in found] == ["add_table"] and found[0][1].name == "reminders"


def test_the_app_creates_the_schema_at_start_and_records_its_revision(app):
    engine = app.extensions["ivr.db.engine"]
    assert schema.current_revision(engine) == schema.head()
    assert {"calls", "journey_events", "change_requests", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_ivr_db_upgrade_creates_an_empty_database_and_is_harmless_when_run_again(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"from revision empty to {schema.head()}" in first.output
    again = runner.invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0 and f"already at revision {schema.head()}" in again.output
    current = runner.invoke(main, ["db", "current"])
    assert f"database: {schema.head()}; code: {schema.head()}" in current.output


def test_ivr_db_upgrade_to_a_revision_that_does_not_exist_names_the_ones_that_do(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", "9999"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no migration is numbered '9999'" in result.output and f"0001 to {schema.head()}" in result.output


def test_ivr_db_upgrade_to_an_older_revision_says_it_never_goes_back_and_changes_nothing(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    older = schema.revisions()[-2]
    result = runner.invoke(main, ["db", "upgrade", "--revision", older])
    assert result.exit_code == 1
    assert f"at revision {schema.head()}, after {older}" in result.output and "never goes back" in result.output
    assert f"database: {schema.head()}" in runner.invoke(main, ["db", "current"]).output


def test_ivr_db_upgrade_to_a_named_revision_stops_there(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    older = schema.revisions()[-2]
    result = runner.invoke(main, ["db", "upgrade", "--revision", older])
    assert result.exit_code == 0 and f"from revision empty to {older}" in result.output, result.output
    assert f"database: {older}; code: {schema.head()}" in runner.invoke(main, ["db", "current"]).output


def test_ivr_db_revision_refuses_to_write_an_empty_migration():
    result = CliRunner().invoke(main, ["db", "revision", "-m", "nothing"])
    assert result.exit_code == 1
    assert "already agree" in result.output


def test_ivr_db_upgrade_on_an_unreachable_database_says_what_to_check(monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql+psycopg://nobody@/ivr?host=/nonexistent&port=1")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "cannot connect to the database" in result.output and "IVR_DATABASE_URL" in result.output
    assert '"/nonexistent/.s.PGSQL.1" failed' in result.output  # the driver's own reason


def test_a_database_made_before_migrations_existed_is_adopted_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(Client.__table__.insert().values(
            client_number="999888777", birth_date=date(1950, 1, 2), name="Old Row",
            language="fr", civic_number="1", street="rue A", city="Laval", province="QC", postal_code="H7A 1A1"))
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN})
    with db.session_for(app) as session:
        assert session.scalar(select(Client.name).where(Client.client_number == "999888777")) == "Old Row"
    assert schema.current_revision(app.extensions["ivr.db.engine"]) == schema.head()


def test_the_suite_runs_on_the_database_it_was_asked_for(app):
    dialect = app.extensions["ivr.db.engine"].dialect.name
    assert dialect == ("postgresql" if on_postgres() else "sqlite")


def test_the_head_read_from_the_file_names_is_the_one_alembic_finds():
    assert schema.head() == ScriptDirectory.from_config(schema.alembic_config()).get_current_head()


def test_a_database_at_head_is_opened_without_loading_alembic(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    engine.dispose()
    opened = ("import sys\n"
              "from ivr.store import schema\n"
              "from ivr.store.db import make_engine\n"
              f"engine = make_engine({database_url!r})\n"
              "schema.upgrade(engine)\n"
              "assert schema.at_head(engine)\n"
              "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n")
    done = subprocess.run([sys.executable, "-c", opened], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_database_behind_the_code_is_not_at_head_and_is_upgraded(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine, "0013")
    assert not schema.at_head(engine)
    schema.upgrade(engine)
    assert schema.at_head(engine) and schema.current_revision(engine) == schema.head()
    engine.dispose()


def set_recorded_revisions(url: str, *versions: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for version in versions:
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
    engine.dispose()


def test_a_database_migrated_by_newer_code_is_refused_in_a_sentence_by_every_command(database_url, monkeypatch):
    """After a rollback of the code, the database is ahead of it: say so and what to do, touch nothing."""
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    set_recorded_revisions(database_url, "0099")
    for command in (["db", "upgrade"], ["db", "upgrade", "--revision", schema.head()], ["db", "current"],
                    ["agent", "list"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, (command, result.output)
        assert "schema revision 0099, which this code does not know" in result.output, (command, result.output)
        assert f"its newest is {schema.head()}" in result.output and "Traceback" not in result.output
    with pytest.raises(schema.UnknownRevision):
        create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN})


def test_a_database_recording_two_revisions_at_once_is_refused_naming_them(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    set_recorded_revisions(database_url, schema.revisions()[-2], schema.head())
    result = runner.invoke(main, ["db", "current"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"2 schema revisions at once ({schema.revisions()[-2]}, {schema.head()})" in result.output


def test_ivr_db_upgrade_to_head_in_capitals_is_refused_naming_head(database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", "HEAD"])
    assert result.exit_code == 2 and "no migration is numbered 'HEAD'" in result.output
    assert "give head (the newest" in result.output


def test_a_database_that_cannot_be_opened_is_named_with_the_databases_own_reason(database_url, monkeypatch, tmp_path):
    if on_postgres():
        url, reason = make_url(database_url).set(database="no_such_database"), 'database "no_such_database" does not exist'
    else:
        (tmp_path / "notes.db").write_text("a text file, not a database")
        url, reason = make_url(f"sqlite:///{tmp_path / 'notes.db'}"), "file is not a database"
    monkeypatch.setenv("IVR_DATABASE_URL", url.render_as_string(hide_password=False))
    for command in (["db", "upgrade"], ["db", "current"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "cannot connect to the database (" in result.output and reason in result.output


def test_tables_beside_an_emptied_alembic_version_are_named_as_such_not_as_an_unreachable_database(
        database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    for command in (["db", "upgrade"], ["db", "current"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "has the IVR's tables but its alembic_version table records no revision" in result.output
        assert "INSERT INTO alembic_version" in result.output and "cannot" not in result.output
    assert not schema.recorded(engine)  # nothing was changed
    engine.dispose()


def test_a_migration_the_database_refuses_is_reported_in_the_databases_own_words(database_url, monkeypatch):
    engine = make_engine(database_url)
    with engine.begin() as connection:  # a database shared with another program, which has a clients table
        connection.execute(text("CREATE TABLE clients (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the database refused the upgrade to head: " in result.output
    assert re.search(r'(table|relation) "?clients"? already exists', result.output)
    assert "cannot connect" not in result.output and "a database of its own" in result.output


def test_ivr_db_current_on_tables_made_before_migrations_says_so_and_what_upgrade_does(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current"])
    assert before.exit_code == 0 and "empty" not in before.output
    assert ("no revision recorded: its tables were made before migrations existed; `ivr db upgrade` adopts them as "
            f"revision {schema.INITIAL_REVISION} and migrates them to {schema.head()}") in before.output
    assert f"to {schema.head()}" in runner.invoke(main, ["db", "upgrade"]).output  # as it said
    assert f"database: {schema.head()}; code" in runner.invoke(main, ["db", "current"]).output


@pytest.mark.parametrize("command", [["report", "--from", "2026-11-01", "--to", "2026-11-30"], ["agent", "list"],
                                     ["purge"]])
def test_a_command_on_an_unreachable_database_says_what_to_check_without_a_traceback(monkeypatch, command):
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql+psycopg://nobody@/ivr?host=/nonexistent&port=1")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "cannot connect to the database" in result.output and "IVR_DATABASE_URL" in result.output
    assert '"/nonexistent/.s.PGSQL.1" failed' in result.output  # the driver's own reason


def test_a_relative_instance_folder_is_read_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    monkeypatch.setenv("IVR_INSTANCE_PATH", "line")
    runner = CliRunner()
    assert runner.invoke(main, ["seed", "--demo"]).exit_code == 0
    result = runner.invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "json"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert (tmp_path / "line" / "ivr.db").exists()
