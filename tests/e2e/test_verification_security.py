"""Who may hear a status or change a file: the levels of flows/verification.yaml, throttling, caller ID."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.config import ROOT
from ivr.engine.loader import load_flowset, read_flowset
from ivr.store.models.calls import Call, ChangeRequest, Client
from ivr.store.models.security import AuditEvent
from ivr.services.actions import ActionContext, run_action
from ivr.services.status import NotVerified
from ivr.services.verification import is_self_service_suspended
from tests.support.journeys import fail_once, JEANNE, status_call

ROBERT = ("200300400", "19611102", "K1P 5K7", "+16135550199")
AMELIE = ("300400500", "19750228", "G1R 2B5", None)


def call_row(app, call) -> Call:
    with app.app_context():
        return db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.outcome) for e in db.session().scalars(select(AuditEvent).order_by(AuditEvent.id))]


# -- levels: a status needs number and birth date; a change needs the step-up -------------------

def test_number_and_birth_date_are_enough_to_hear_a_status(app, phone):
    call = status_call(phone, *JEANNE[:2])
    assert "1 234,56 $" in call.heard()
    row = call_row(app, call)
    assert row.verification_level == "identify" and row.verified_by == "client_number+birth_date"


def test_an_address_change_asks_the_postal_code_on_file_before_anything_else(app, phone):
    call = phone().press("2").press("2").press(JEANNE[0]).press(JEANNE[1])
    assert "say the postal code on your file" in call.heard()
    assert "new address" not in call.heard().lower()
    call.say("H2X 3K8")
    assert "Let's start with the postal code" in call.heard()
    row = call_row(app, call)
    assert row.verification_level == "step_up"
    assert row.verified_by == "client_number+birth_date+postal_code_on_file"
    assert "postal_code_on_file" not in row.state["vars"]


def test_a_wrong_postal_code_on_file_twice_reaches_an_agent_and_changes_nothing(app, phone):
    call = phone().press("1").press("2").press(JEANNE[0]).press(JEANNE[1]).say("H3B 2Y5")
    assert "ne correspondent pas" in call.heard()
    call.say("K1P 5K7")
    assert "Un agent peut faire le changement avec vous" in call.heard()
    assert call.transferred
    row = call_row(app, call)
    assert row.verification_level == "identify" and row.transfer_reason == "address/step_up:failed"
    with app.app_context():
        assert db.session().scalars(select(ChangeRequest)).all() == []
    assert ("verification_failed", "step_up") in audit_actions(app)


def test_the_backend_refuses_a_change_for_a_call_verified_only_for_status(app, phone):
    call = status_call(phone, *JEANNE[:2])
    with app.app_context():
        session = db.session()
        row = session.scalar(select(Call).where(Call.call_sid == call.call_sid))
        flowset = app.extensions["ivr.flows"].current
        context = ActionContext(session=session, call=row, now=datetime.now(timezone.utc), position="address/submit",
                                policy=flowset.verification,
                                vars={"postal_code": "H3B 2Y5", "civic_number": "1", "street": "x", "city": "y"})
        with pytest.raises(NotVerified, match="step_up"):
            run_action("address.submit", context)
        with pytest.raises(NotVerified):
            run_action("phone.update", context)


# -- caller ID: shown to the agent, never a proof -----------------------------------------------

def test_calling_from_the_phone_on_file_does_not_verify_anyone(app, phone):
    call = status_call(phone, JEANNE[0], "19000101", caller=JEANNE[3])
    assert "ne correspondent pas" in call.heard()
    assert call_row(app, call).verified is False


@pytest.mark.parametrize("client, caller, expected", [
    (JEANNE, "+15145550142", True),
    (JEANNE, "+15145559999", False),
    (AMELIE, "+15145550142", None),
])
def test_the_agent_sees_whether_the_caller_id_matches_the_phone_on_file(app, phone, client, caller, expected):
    call = status_call(phone, *client[:2], caller=caller)
    row = call_row(app, call)
    assert row.verified and row.caller_id_matches is expected


# -- throttling per client number -------------------------------------------------------------


def test_three_failures_on_one_client_suspend_self_service_even_with_the_right_answers(app, phone):
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, JEANNE[0], caller)
    assert ("verification_suspended", "self_service_suspended") in audit_actions(app)
    call = status_call(phone, *JEANNE[:2], caller=JEANNE[3])
    assert "Pour votre sécurité" in call.heard() and "agent" in call.heard()
    assert "1 234,56" not in call.heard_all()
    assert call.transferred and call.queue == "agents-fr"
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert not row.verified and row.transfer_reason == "verification_suspended"
        assert row.client.name == "Jeanne Tremblay"  # the agent knows whose file it may be and serves them


def test_a_suspended_client_can_verify_again_after_the_window(app, phone):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    with freeze_time(start):
        for caller in ("+15145550001", "+15145550002", "+15145550003"):
            fail_once(phone, JEANNE[0], caller)
    with freeze_time(start + timedelta(hours=23)):
        assert "Pour votre sécurité" in status_call(phone, *JEANNE[:2]).heard()
    with freeze_time(start + timedelta(hours=24, minutes=1)):
        assert "1 234,56 $" in status_call(phone, *JEANNE[:2]).heard()


def test_the_agent_desktop_can_ask_whether_a_client_is_suspended(app, phone):
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, ROBERT[0], caller)
    with app.app_context():
        session = db.session()
        robert = session.scalar(select(Client).where(Client.client_number == ROBERT[0]))
        jeanne = session.scalar(select(Client).where(Client.client_number == JEANNE[0]))
        assert is_self_service_suspended(session, robert) and not is_self_service_suspended(session, jeanne)


def test_a_number_that_does_not_exist_is_throttled_exactly_like_one_that_does(phone):
    heard = {}
    for number in ("999888777", JEANNE[0]):
        for caller in ("+15145550001", "+15145550002", "+15145550003"):
            fail_once(phone, number, caller)
        heard[number] = status_call(phone, number, "19480517", caller="+15145550004").heard()
    assert heard["999888777"] == heard[JEANNE[0]]
    assert "Pour votre sécurité" in heard[JEANNE[0]]


def test_three_misses_in_one_call_say_we_could_not_confirm_then_suspend_the_file(app, phone):
    call = phone().press("1").press("1")
    for _ in range(3):
        call.press(JEANNE[0]).press("19000101")
    assert "Nous n'avons pas pu confirmer" in call.heard() and call.transferred
    assert ("verification_suspended", "self_service_suspended") in audit_actions(app)


# -- throttling per caller ID: brute force across many client numbers --------------------------

def test_brute_force_across_many_client_numbers_from_one_caller_id_is_stopped(app, phone):
    attacker = "+18195550111"
    guesses = iter(f"{n:09d}" for n in range(500000000, 500000010))
    for _ in range(5):  # five calls, two wrong guesses each, never the same number twice
        call = phone(caller=attacker).press("2").press("1")
        for _ in range(2):
            call.press(next(guesses)).press("19480517")
        if not call.transferred:
            call.press("0")
    assert ("caller_suspended", "self_service_suspended") in audit_actions(app)
    call = phone(caller=attacker).press("2").press("1")
    assert "For your security" in call.heard() and call.transferred
    assert "client number" not in call.heard()
    assert call_row(app, call).transfer_reason == "verification_suspended"
    # Even a right answer guessed in the same call as the 10th miss would not be heard: checked above.
    honest = status_call(phone, *JEANNE[:2], caller="+15145550142")
    assert "1 234,56 $" in honest.heard()


def test_every_success_failure_and_suspension_is_an_audit_event_without_the_facts(app, phone):
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, ROBERT[0], caller)
    status_call(phone, *JEANNE[:2], caller=JEANNE[3])
    with app.app_context():
        events = db.session().scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    kinds = [e.action for e in events]
    assert kinds.count("verification_failed") == 3 and kinds.count("verification_suspended") == 1
    success = events[-1]
    assert (success.action, success.actor_kind, success.actor) == (
        "verification_succeeded", "caller", "client_number+birth_date")
    assert success.caller == "+1 514-•••-••42" and success.call_sid and success.at is not None
    assert success.detail["caller_id_matches"] is True
    text = repr([(e.detail, e.caller, e.actor) for e in events])
    for secret in (ROBERT[0], JEANNE[0], "1961-11-02", "19611102", "5145550142", "5145550001"):
        assert secret not in text
    assert events[0].detail["client_number"] == "•••-•••-400"


# -- the policy file is checked like a flow ------------------------------------------------------

def write_flows(tmp_path, verification: str, address_uses_step_up: bool = True):
    flows = tmp_path / "flows"
    flows.mkdir()
    for path in (ROOT / "flows").glob("*.yaml"):
        text = path.read_text()
        if path.name == "address.yaml" and not address_uses_step_up:
            text = text.replace("use: step_up", "use: identify")
        (flows / path.name).write_text(text)
    (flows / "verification.yaml").write_text(textwrap.dedent(verification))
    return read_flowset(flows, ROOT / "prompts")[1]


SHIPPED = (ROOT / "flows" / "verification.yaml").read_text()


def test_the_shipped_flows_and_policy_have_no_findings():
    flowset = load_flowset(ROOT / "flows", ROOT / "prompts")
    assert set(flowset.verification.levels) == {"identify", "step_up"}
    assert flowset.verification.requires["address.submit"] == "step_up"


def test_a_change_flow_without_the_step_up_is_an_error_with_its_line(tmp_path):
    findings = write_flows(tmp_path, SHIPPED, address_uses_step_up=False)
    missing = [f for f in findings if f.code == "verification-missing"]
    assert {f.message.split("'")[1] for f in missing} == {"submit", "save_phone"}
    assert all(f.path.endswith("address.yaml") and f.line > 0 for f in missing)
    assert "use: step_up" in missing[0].hint


def test_an_unknown_fact_is_reported_with_a_suggestion(tmp_path):
    findings = write_flows(tmp_path, SHIPPED.replace("[postal_code_on_file]", "[postal_code_onfile]"))
    bad = [f for f in findings if f.code == "verification-fact"]
    assert bad and bad[0].line == 12 and "postal_code_on_file" in bad[0].hint


def test_a_fact_asked_without_sensitive_is_an_error(tmp_path):
    findings = write_flows(tmp_path, SHIPPED)
    assert not [f for f in findings if f.severity == "error"]
    identify = tmp_path / "flows" / "identify.yaml"
    identify.write_text(identify.read_text().replace("    length: 9\n    sensitive: true\n", "    length: 9\n"))
    findings = read_flowset(tmp_path / "flows", ROOT / "prompts")[1]
    assert [f.code for f in findings if f.severity == "error"] == ["verification-not-sensitive"]


def test_bad_attempts_and_throttle_numbers_say_what_to_write(tmp_path):
    findings = write_flows(tmp_path, SHIPPED.replace("attempts: 3", "attempts: lots").replace(
        "failures: 10", "failures: 0"))
    codes = {f.code: f for f in findings}
    assert "1 to 5" in codes["verification-attempts"].hint
    assert "from 1 to 100" in codes["verification-throttle"].hint


def test_hiding_the_caller_id_does_not_escape_the_per_caller_throttle(app, phone):
    withheld = ["anonymous", "+266696687", "", "restricted", "anonymous"]
    guesses = iter(f"{n:09d}" for n in range(700000000, 700000010))
    for caller in withheld:
        call = phone(caller=caller).press("2").press("1")
        for _ in range(2):
            call.press(next(guesses)).press("19480517")
        if not call.transferred:
            call.press("0")
    call = phone(caller="anonymous").press("2").press("1")
    assert "For your security" in call.heard() and call.transferred
