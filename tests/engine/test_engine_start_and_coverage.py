"""The pure engine: a call can begin at any step and language, and its journey says which
steps and branches it went through (what `ivr test` counts as coverage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import ActionDone, ActionFailed, Digits, NoInput, Start, new_call
from ivr.engine.coverage import reached, report, targets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def flowset():
    return load_flowset(ROOT / "flows", ROOT / "prompts")


def line_of(flow_file: str, text: str) -> int:
    """Where a line is in a shipped flow, so the test follows edits to the file."""
    lines = (ROOT / "flows" / flow_file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def play(flowset, *events, start=None):
    state = new_call(flowset)
    journey = []
    for event in (start or Start(), *events):
        turn, state = advance(flowset, state, event)
        journey.extend(turn.journey)
    return turn, state, journey


def test_call_starts_at_a_step_in_the_language_asked(flowset):
    turn, state, journey = play(flowset, start=Start(at="address/confirm", language="en"))
    assert state.position == "address/confirm" and state.language == "en"
    assert turn.keys == ["address.confirm"]
    assert [u.language for u in turn.prompts] == ["en"]
    assert journey[0].detail == {"at": "address/confirm", "language": "en"}


def test_call_started_at_a_flow_begins_at_its_first_step(flowset):
    turn, state, _ = play(flowset, ActionDone("offered"), start=Start(at="status", values={"client_number": "100200300"}))
    assert state.position == "identify/client_number" and state.stack == ["status/identify"]
    assert state.vars["client_number"] == "100200300"
    assert turn.keys[:1] == ["identify.client_number"]


def test_start_at_a_missing_step_sends_the_caller_to_an_agent(flowset):
    turn, state, _ = play(flowset, start=Start(at="status/nowhere"))
    assert turn.kind == "transfer" and turn.reason == "fault"


def test_journey_records_sub_flow_entry_return_and_branch_case(flowset):
    _, _, journey = play(
        flowset,
        ActionDone("offered"), Digits("100200300"), Digits("19480517"), ActionDone("verified", {"verified": True}),
        start=Start(at="status", language="fr"),
    )
    events = [(e.position, e.kind, e.event) for e in journey]
    assert ("status/identify", "use", "entered") in events
    assert ("identify/verified", "return", "returned") in events
    assert ("status/identify", "use", "returned") in events
    _, _, journey = play(flowset, Digits("#"), start=Start(at="address/apartment", language="fr"))
    assert [e.detail.get("case") for e in journey if e.kind == "branch"] == ["empty"]


def test_coverage_counts_options_results_cases_and_retry_limits(flowset):
    _, _, failed = play(flowset, ActionFailed("down"), start=Start(at="status/lookup", language="fr"))
    _, _, silent = play(flowset, NoInput(), NoInput(), NoInput(), start=Start(at="main/menu", language="fr"))
    hit = reached(flowset, failed + silent)
    described = {(t.flow, t.step, t.kind, t.label) for t in hit}
    assert ("status", "lookup", "outcome", "error") in described
    assert ("main", "menu", "retries", "") in described
    assert ("main", "menu", "option", "1") not in described
    main_flow = next(f for f in report(flowset, hit) if f.flow == "main")
    assert 0 < main_flow.covered < main_flow.total


def test_two_silences_are_not_yet_the_retry_limit(flowset):
    _, _, journey = play(flowset, NoInput(), NoInput(), start=Start(at="main/menu", language="fr"))
    assert ("main", "menu", "retries", "") not in {(t.flow, t.step, t.kind, t.label) for t in reached(flowset, journey)}


def test_every_step_and_way_out_is_a_coverage_target_with_its_line(flowset):
    found = {(t.flow, t.step, t.kind, t.label): t.line for t in targets(flowset)}
    assert found[("address", "confirm", "option", "2")] == line_of("address.yaml", "2: {words: address.restart_words")
    assert found[("identify", "verify", "outcome", "retry")] == line_of("identify.yaml", "retry: mismatch")
    assert found[("address", "readback", "case", "empty")] == line_of("address.yaml", "cases: {empty: readback_house}")
    assert found[("address", "postal_code", "retries", "")] == line_of("address.yaml", "retries: {nomatch: [address.")
