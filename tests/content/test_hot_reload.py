"""Safe publishing: content staff save a file and new calls use it, without a restart; calls in
progress finish on the version they started with; a broken edit is refused and logged."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pytest

from ivr.app import create_app
from ivr.store import db
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.services.demo import seed_demo

TOKEN = "hot-reload-test-token"

ROOT = Path(__file__).resolve().parents[2]
OLD_MENU = "Pour l'état de votre demande, faites le 1."
NEW_MENU = "Nouveau : pour savoir où en est votre demande, faites le 1."


@pytest.fixture
def content(tmp_path):
    """A copy of the flows and prompts that the test edits as content staff would."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    return tmp_path


def make_app(content: Path, database: Path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "s", "PUBLIC_URL": "", "FLOWS_DIR": content / "flows",
                      "PROMPTS_DIR": content / "prompts", "FLOWS_CHECK_SECONDS": 0})
    with db.session_for(app) as session:
        seed_demo(session)
    return app


def dial(app) -> PhoneCall:
    return PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_changed_prompt_reaches_new_calls_while_a_call_in_progress_keeps_its_words(content, tmp_path):
    app = make_app(content, tmp_path / "ivr.db")
    in_progress = dial(app).press("1")
    assert OLD_MENU in in_progress.heard()

    edit(content / "prompts/fr/main.yaml", "Pour l'état de votre demande, faites le 1.", NEW_MENU)

    new_call = dial(app).press("1")
    assert NEW_MENU in new_call.heard()
    in_progress.press("*")
    assert OLD_MENU in in_progress.heard() and NEW_MENU not in in_progress.heard()


def test_call_in_progress_keeps_its_version_in_a_process_that_never_loaded_it(content, tmp_path):
    first_worker = make_app(content, tmp_path / "ivr.db")
    call = dial(first_worker).press("1")

    edit(content / "prompts/fr/main.yaml", "Pour l'état de votre demande, faites le 1.", NEW_MENU)
    second_worker = make_app(content, tmp_path / "ivr.db")  # started after the change
    assert second_worker.extensions["ivr.flows"].current.version != first_worker.extensions["ivr.flows"].current.version

    call.transport = FlaskTransport(second_worker.test_client())
    call.press("*")
    assert OLD_MENU in call.heard(), "the old version comes back from the database"
    assert NEW_MENU in dial(second_worker).press("1").heard()



def test_a_stored_version_is_read_back_from_the_database_without_writing_a_file(content, tmp_path, monkeypatch):
    """The second worker loads the old version from its stored texts ({relative path: text}), through the
    loader's one code path: no temporary folder is made for it, and the caller hears the old words."""
    first_worker = make_app(content, tmp_path / "ivr.db")
    call = dial(first_worker).press("1")
    edit(content / "prompts/fr/main.yaml", "Pour l'état de votre demande, faites le 1.", NEW_MENU)
    second_worker = make_app(content, tmp_path / "ivr.db")

    def no_temporary_folder(*args, **kwargs):
        raise AssertionError("a stored version was written to a temporary folder")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary_folder)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary_folder)
    call.transport = FlaskTransport(second_worker.test_client())
    call.press("*")
    assert OLD_MENU in call.heard()


def test_invalid_flow_is_refused_and_logged_while_calls_keep_working(content, tmp_path, caplog):
    app = make_app(content, tmp_path / "ivr.db")
    in_progress = dial(app).press("1")
    serving = app.extensions["ivr.flows"].current.version

    edit(content / "flows/main.yaml", "1: {words: main.status_words, next: status}",
         "1: {words: main.status_words, next: statuss}")
    with caplog.at_level(logging.ERROR, logger="ivr"):
        new_call = dial(app)
    assert "Bonjour" in new_call.heard()
    assert app.extensions["ivr.flows"].current.version == serving
    refused = [r.getMessage() for r in caplog.records if "refused a change to the flows" in r.getMessage()]
    assert len(refused) == 1
    finding = next(line for line in refused[0].splitlines() if "main.yaml:21:" in line)
    assert "'statuss'" in finding and "did you mean 'status'?" in finding and finding.endswith("[missing-target]")

    in_progress.press("1")
    assert "Entrez votre numéro de client" in in_progress.heard()
    new_call.press("1").press("1")
    assert "Entrez votre numéro de client" in new_call.heard()

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="ivr"):
        dial(app)
    assert not caplog.records, "a refused change is logged once, not on every request"


def test_fixing_a_refused_change_publishes_it(content, tmp_path):
    app = make_app(content, tmp_path / "ivr.db")
    main_flow = content / "flows/main.yaml"
    edit(main_flow, "next: status}", "next: statuss}")
    assert "Bonjour" in dial(app).heard()
    edit(main_flow, "next: statuss}", "next: status}")
    edit(content / "prompts/fr/main.yaml", "Pour l'état de votre demande, faites le 1.", NEW_MENU)
    assert NEW_MENU in dial(app).press("1").heard()


def test_broken_yaml_in_prompts_is_refused_too(content, tmp_path, caplog):
    app = make_app(content, tmp_path / "ivr.db")
    (content / "prompts/en/main.yaml").write_text("menu: [unclosed\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="ivr"):
        call = dial(app).press("2")
    assert "For the status of your application, press 1" in call.heard()
    assert any("prompts/en/main.yaml:" in r.getMessage() for r in caplog.records)


def test_changes_are_looked_for_at_most_every_few_seconds(content, tmp_path):
    app = make_app(content, tmp_path / "ivr.db")
    store = app.extensions["ivr.flows"]
    store.check_every = 3600
    store.refresh(force=True)
    edit(content / "prompts/fr/main.yaml", "Pour l'état de votre demande, faites le 1.", NEW_MENU)
    assert OLD_MENU in dial(app).press("1").heard(), "no file is looked at between checks"
    store.refresh(force=True)
    assert NEW_MENU in dial(app).press("1").heard()
