"""Pressing 0 outside agents' hours: when they are back (and why not now), a callback, or self-service."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.config import ROOT
from ivr.store.models.desktop import Callback
from ivr.store.models.calls import Call
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN
from tests.support.lines import line  # noqa: F401 - the shipped flows/hours.yaml in force


def zero_at_main_menu(line, language: str = "1") -> PhoneCall:
    return line().press(language).press("0")


@pytest.mark.parametrize("utc, open_", [
    ("2026-11-23 12:59", False),  # Monday 07:59 in Toronto
    ("2026-11-23 13:00", True),   # 08:00
    ("2026-11-23 21:59", True),   # 16:59
    ("2026-11-23 22:00", False),  # 17:00
])
def test_agents_answer_from_eight_to_five(line, utc, open_):
    with freeze_time(utc):
        call = zero_at_main_menu(line)
    assert call.transferred is open_
    if not open_:
        assert "Nos agents ne sont pas disponibles en ce moment." in call.heard()
        assert "Je vous transfère" not in call.heard()


def test_before_opening_the_caller_hears_agents_are_back_today(line):
    with freeze_time("2026-11-23 12:59"):
        call = zero_at_main_menu(line)
    assert "Les agents seront de retour aujourd'hui à 8 h." in call.heard()


def test_after_closing_the_caller_hears_tomorrow_with_its_date(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line, language="2")
    assert "Our agents are not available right now." in call.heard()
    assert "Agents will be back tomorrow, Tuesday, November 24, at 8:00 a.m." in call.heard()
    assert "To be called back, press 1." in call.heard()
    assert call.last.gather["language"] == "en-CA"


def test_on_friday_evening_agents_are_back_on_monday(line):
    with freeze_time("2026-11-27 21:45"):  # Friday 16:45: Friday closes at 16:30
        call = zero_at_main_menu(line)
    assert "Les agents seront de retour lundi 30 novembre, à 8 h." in call.heard()


def test_on_fete_nationale_the_holiday_is_named(line):
    with freeze_time("2026-06-24 14:00"):  # Wednesday 10:00 EDT
        call = zero_at_main_menu(line)
    assert "Nous sommes fermés aujourd'hui : Fête nationale du Québec." in call.heard()
    assert "Les agents seront de retour demain, jeudi 25 juin, à 8 h." in call.heard()


def test_on_christmas_the_holiday_is_named_in_english_too(line):
    with freeze_time("2026-12-25 15:00"):
        call = zero_at_main_menu(line, language="2")
    assert "We are closed today: Christmas Day." in call.heard()
    assert "Agents will be back Monday, December 28, at 8:00 a.m." in call.heard()


def test_a_closure_from_hours_yaml_gives_its_reason(line):
    with freeze_time("2026-12-24 18:00"):  # Christmas Eve, 13:00: closed from noon
        call = zero_at_main_menu(line)
    assert "Nous sommes fermés aujourd'hui : la veille de Noël." in call.heard()


def test_opening_hours_follow_the_wall_clock_across_daylight_saving(line):
    with freeze_time("2026-03-06 13:30"):  # Friday before the change: 08:30 EST
        assert zero_at_main_menu(line).transferred
    with freeze_time("2026-03-09 11:59"):  # Monday after the change: 07:59 EDT
        assert not zero_at_main_menu(line).transferred
    with freeze_time("2026-03-09 12:00"):  # 08:00 EDT
        assert zero_at_main_menu(line).transferred


def test_zero_at_the_greeting_after_hours_is_answered_in_both_languages(line):
    with freeze_time("2026-11-23 22:00"):
        call = line().press("0")
    assert "Nos agents ne sont pas disponibles" in call.heard()
    assert "Our agents are not available" in call.heard()


def test_after_hours_the_caller_leaves_a_callback_for_the_next_business_day(line):
    with freeze_time("2026-11-27 22:00"):  # Friday 17:00
        call = line().press("1").press("1").press("100200300").press("19480517").press("0")
        call.press("1")
        assert "Nous pouvons vous rappeler au (514) 555-0142." in call.heard()
        assert "Pour revenir en arrière, faites le 3." in call.heard()
        call.press("1")
    assert ("Merci. Un agent vous rappellera au (514) 555-0142, dès lundi 30 novembre, à 8 h."
            in call.heard())
    assert call.hung_up and "<Leave" not in call.last.xml
    with db.session_for(line.app) as session:
        callback = session.scalar(select(Callback).where(Callback.call_sid == call.call_sid))
        assert callback.due == date(2026, 11, 30) and callback.reason == "after_hours"
        assert session.get(Call, call.call_sid).status == "callback"
    from ivr.desktop.accounts import ensure_demo_agent

    with db.session_for(line.app) as session:
        ensure_demo_agent(session)
    context = line.app.test_client().get(f"/agent/api/calls/{call.call_sid}?lang=en",
                                         headers={"Authorization": "Bearer demo-token"}).json
    steps = [step["summary"] for step in context["journey"]]
    assert steps[-2:] == ["Asked for an agent outside agents' hours", "Asked to be called back"]
    assert context["callback"]["due"] == "2026-11-30"


def test_after_hours_the_caller_can_go_back_to_self_service(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line).press("2")
        assert "Pour l'état de votre demande, faites le 1." in call.heard()
        call.press("1").press("100200300").press("19480517")
    assert "Votre demande de pension de retraite est approuvée." in call.heard()
    with db.session_for(line.app) as session:
        assert session.get(Call, call.call_sid).status == "in_ivr"


def test_after_hours_callers_are_not_listed_as_waiting(line):
    with freeze_time("2026-11-23 22:00"):
        zero_at_main_menu(line)
        from ivr.desktop.accounts import ensure_demo_agent

        with db.session_for(line.app) as session:
            ensure_demo_agent(session)
        waiting = line.app.test_client().get("/agent/api/queue", headers={"Authorization": "Bearer demo-token"})
    assert waiting.json["waiting"] == []


def test_silence_after_hours_repeats_then_says_goodbye(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line)
        call.silence()
        assert "Les agents seront de retour demain" in call.heard() and not call.hung_up
        call.silence()
    assert call.hung_up
    assert "Merci de votre appel. Au revoir." in call.heard()


def test_a_key_not_offered_after_hours_gets_the_usual_reprompt_once_then_goodbye(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line).press("3")
        assert "Désolé, je n'ai pas compris." in call.heard() and "Pour qu'un agent vous rappelle, faites le 1." in call.heard()
        assert not call.hung_up
        call.press("3")
    assert call.hung_up and "Merci de votre appel. Au revoir." in call.heard()


def test_star_after_hours_repeats_the_choices_without_counting_as_a_wrong_key(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line).press("3").press("*")
        assert "Désolé" not in call.heard() and "Pour qu'un agent vous rappelle, faites le 1." in call.heard()
        assert not call.hung_up
        call.press("2")
    assert not call.hung_up  # back to self-service


def test_silence_after_hours_is_met_with_the_usual_words_before_the_choices_again(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line).silence()
    assert call.heard().startswith("Je n'ai rien entendu.")


def test_changing_their_mind_about_a_callback_after_hours_goes_back_to_the_choices(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line).press("1").press("3")
    assert "Pour qu'un agent vous rappelle, faites le 1." in call.heard()
    assert not call.hung_up


def test_production_uses_flows_hours_yaml_and_the_demo_has_agents_at_any_hour(tmp_path, monkeypatch):
    monkeypatch.delenv("IVR_HOURS_FILE", raising=False)
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}
    assert create_app({**base, "DEMO": False}).extensions["ivr.hours"] is not None
    assert create_app({**base, "DEMO": True}).extensions["ivr.hours"] is None
    monkeypatch.setenv("IVR_HOURS_FILE", str(ROOT / "flows" / "hours.yaml"))
    assert create_app({**base, "DEMO": True}).extensions["ivr.hours"] is not None


def test_a_broken_hours_file_stops_the_start_with_its_line(tmp_path):
    from ivr.config import ConfigError

    broken = tmp_path / "hours.yaml"
    broken.write_text("timezone: America/Toronto\nopen:\n  monday: \"8h-17h\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hours.yaml:3"):
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "HOURS_FILE": broken})


def test_a_fault_after_hours_apologises_and_offers_the_choices_instead_of_an_empty_queue(line, monkeypatch):
    from ivr import calls

    with freeze_time("2026-11-23 22:00"):
        call = line().press("1")

        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(calls, "save_step", broken)
        call.press("1")
    assert call.statuses[-1] == 200
    assert not call.transferred
    assert "Désolé, nous avons un problème technique." in call.heard()
    assert "Les agents seront de retour demain, mardi 24 novembre, à 8 h." in call.heard()
    assert "Pour qu'un agent vous rappelle, faites le 1." in call.heard()


@pytest.mark.parametrize("language, closed, not_said", [
    ("1", "Nous sommes fermés aujourd'hui : Jour de Noël.", "observé"),
    ("2", "We are closed today: Christmas Day.", "observed"),
])
def test_on_the_day_a_holiday_is_observed_callers_hear_its_name_without_the_observed_marker(line, language,
                                                                                           closed, not_said):
    with freeze_time("2027-12-27 15:00"):  # Monday 10:00: Christmas 2027 is a Saturday, observed on Monday
        call = zero_at_main_menu(line, language=language)
    assert closed in call.heard()
    assert not_said not in call.heard()


def test_a_time_that_ends_with_a_m_ends_the_sentence_with_one_period(line):
    with freeze_time("2026-11-23 22:00"):
        call = zero_at_main_menu(line, language="2")
    assert "at 8:00 a.m. To be called back, press 1." in call.heard()
    assert "a.m.." not in call.heard()


def test_only_a_value_that_ends_with_a_period_gives_up_the_period_that_follows_it():
    from ivr.engine.prompts import Prompts, PromptText

    prompts = Prompts({"en": {"t.back": PromptText("t.back", "en", text="Back at {clock}. Back at {clock}, or {day}.")}})
    said = prompts.render("t.back", "en", {"clock": "8:00 a.m.", "day": "Monday"}).text
    assert said == "Back at 8:00 a.m. Back at 8:00 a.m., or Monday."
    assert prompts.render("t.back", "en", {"clock": "8 h", "day": "lundi"}).text == "Back at 8 h. Back at 8 h, or lundi."


@pytest.mark.parametrize("language, heard", [("1", "Rappelez-nous plus tard"), ("2", "Please call us again later")])
def test_a_call_the_database_lost_after_hours_is_told_to_call_again_not_that_it_is_transferred(
        line, monkeypatch, language, heard):
    from ivr import calls

    with freeze_time("2026-11-23 23:30"):
        call = zero_at_main_menu(line, language)
        monkeypatch.setattr(calls, "load_call", lambda *args: None)
        call.press("2")  # back to self-service: the call cannot be read
    assert heard in call.heard() and call.hung_up
    assert "transfère" not in call.heard() and "transferring" not in call.heard()


def test_a_fault_at_the_after_hours_choices_apologises_in_the_callers_language_only(line, monkeypatch):
    """Every /voice view answers a fault with the one handler of the parent blueprint (`ivr.telephony`):
    the apology in the language the URL carries, as a step's fault is, not in every language."""
    from ivr.calls import waiting

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    with freeze_time("2026-11-23 23:30"):
        call = zero_at_main_menu(line, language="2")
        monkeypatch.setattr(waiting, "back_to_self_service", broken)
        call.press("2")
    assert call.statuses[-1] == 200
    assert "Sorry, we have a technical problem." in call.heard()
    assert "Désolé" not in call.heard()
    assert "To be called back, press 1." in call.heard()
