"""The engine alone: YAML in, turns out, with no Flask, no Twilio and no database."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ivr.engine.texts import TextPath

from ivr.engine.findings import FlowsInvalid
from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import ActionDone, ActionFailed, CallState, Digits, NoInput, Speech, Start, TurnKind

PROMPTS = {
    "common.yaml": """
        agent_words: [agent]
        repeat_words: [repeat]
        noinput_1: "No input one."
        noinput_2: "No input two."
        take_your_time: "Take your time."
        nomatch_1: "No match one."
        nomatch_2: "No match two."
        speech_nomatch_1: "Speech no match."
        transferring: "Transferring."
        fault: "Fault."
        goodbye: "Bye."
    """,
    "demo.yaml": """
        menu: "Press 1 for the amount."
        help: "More help."
        amount: "You get {amount:money} on {day:date}."
        number: "Enter the number."
        thanks: "Thanks {name}."
        one_words: [amount, money]
    """,
}

FLOW = """
    flow: main
    start: menu
    steps:
      menu:
        menu: demo.menu
        help: demo.help
        options:
          1: {words: demo.one_words, next: lookup}
          2: {next: number}
      lookup:
        action: money.lookup
        next: {ok: amount, error: agent}
      amount:
        say: demo.amount
        next: bye
      number:
        ask: demo.number
        into: number
        length: 4
        next: bye
      bye:
        hangup: common.goodbye
"""


@pytest.fixture
def flowset(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main.yaml").write_text(textwrap.dedent(FLOW))
    for language in ("fr", "en"):
        folder = tmp_path / "prompts" / language
        folder.mkdir(parents=True)
        for name, text in PROMPTS.items():
            (folder / name).write_text(textwrap.dedent(text))
    return load_flowset(flows, tmp_path / "prompts")


def start(flowset, language="en"):
    state = CallState(position="", language=language)
    return advance(flowset, state, Start())


def test_the_engine_imports_no_web_telephony_or_database_library():
    import ivr.engine

    folder = Path(ivr.engine.__file__).parent
    forbidden = re.compile(r"^\s*(from|import)\s+(flask|twilio|sqlalchemy|werkzeug)\b", re.MULTILINE)
    offenders = [p.name for p in folder.rglob("*.py") if forbidden.search(p.read_text())]
    assert offenders == []


def test_a_menu_asks_and_listens_for_one_key_with_speech_hints(flowset):
    turn, _ = start(flowset)
    assert turn.kind is TurnKind.GATHER and turn.keys == ["demo.menu"]
    assert turn.listen.max_digits == 1 and "amount" in turn.listen.hints


def test_an_action_is_asked_for_then_its_result_is_said_in_the_callers_locale(flowset):
    turn, state = start(flowset, "fr")
    turn, state = advance(flowset, state, Digits("1"))
    assert turn.kind is TurnKind.ACTION and turn.action == "money.lookup"
    turn, state = advance(flowset, state, ActionDone("ok", {"amount": "1234.56", "day": "2026-12-22"}))
    assert turn.kind is TurnKind.HANGUP
    assert "1 234,56 $" in turn.text and "22 décembre 2026" in turn.text


def test_a_failed_action_takes_its_error_branch_to_an_agent(flowset):
    _, state = start(flowset)
    _, state = advance(flowset, state, Digits("1"))
    turn, state = advance(flowset, state, ActionFailed("Timeout"))
    assert turn.kind is TurnKind.TRANSFER and turn.keys == ["common.fault"]
    assert state.transfer_reason == "main/lookup:error"


def test_speech_keywords_choose_an_option(flowset):
    _, state = start(flowset)
    turn, _ = advance(flowset, state, Speech("how much money do I get"))
    assert turn.kind is TurnKind.ACTION


def test_noinput_escalates_then_transfers_and_the_second_retry_plays_help(flowset):
    _, state = start(flowset)
    turn, state = advance(flowset, state, NoInput())
    assert turn.keys == ["common.noinput_1", "demo.menu"]
    turn, state = advance(flowset, state, NoInput())
    assert turn.keys == ["common.noinput_2", "demo.help"]
    turn, state = advance(flowset, state, NoInput())
    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "no_input"


def test_a_lone_zero_inside_a_number_means_the_agent_but_zeros_inside_numbers_do_not(flowset):
    _, state = start(flowset)
    _, state = advance(flowset, state, Digits("2"))
    turn, after = advance(flowset, state, Digits("1010"))
    assert turn.kind is TurnKind.HANGUP and after.vars["number"] == "1010"
    turn, after = advance(flowset, state, Digits("0"))
    assert turn.kind is TurnKind.TRANSFER and after.transfer_reason == "asked_for_agent"


def test_entered_values_are_kept_when_retries_run_out(flowset):
    _, state = start(flowset)
    _, state = advance(flowset, state, Digits("2"))
    for _ in range(3):
        turn, state = advance(flowset, state, Digits("12"))
    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "not_understood"
    assert [e.detail.get("pressed") for e in turn.journey if e.event == "nomatch"] == ["12"]


def test_advance_is_deterministic_and_does_not_change_the_state_it_was_given(flowset):
    _, state = start(flowset)
    before = state.to_dict()
    first = advance(flowset, state, Digits("1"))
    second = advance(flowset, state, Digits("1"))
    assert first == second and state.to_dict() == before


def test_a_prompt_missing_a_value_sends_the_caller_to_an_agent_with_an_apology(flowset):
    _, state = start(flowset)
    _, state = advance(flowset, state, Digits("1"))
    turn, state = advance(flowset, state, ActionDone("ok", {"amount": "5"}))  # no 'day'
    assert turn.kind is TurnKind.TRANSFER and turn.keys == ["common.fault"]
    assert state.transfer_reason == "fault"


def test_a_flow_with_a_misspelt_target_is_refused_with_file_line_and_suggestion(tmp_path, flowset):
    flows = tmp_path / "flows"
    (flows / "main.yaml").write_text(textwrap.dedent(FLOW).replace("next: bye", "next: by", 1))
    with pytest.raises(FlowsInvalid) as error:
        load_flowset(flows, tmp_path / "prompts")
    message = str(error.value)
    assert "main.yaml:14" in message and "'by'" in message and "did you mean 'bye'?" in message


def test_the_agent_key_cannot_be_a_menu_option(tmp_path, flowset):
    flows = tmp_path / "flows"
    (flows / "main.yaml").write_text(textwrap.dedent(FLOW).replace("2: {next: number}", "0: {next: number}"))
    with pytest.raises(FlowsInvalid) as error:
        load_flowset(flows, tmp_path / "prompts")
    assert [f.code for f in error.value.findings] == ["reserved-key"]


def test_a_transfer_step_may_say_something_first(tmp_path, flowset):
    flows = tmp_path / "flows"
    text = textwrap.dedent(FLOW).replace(
        "  bye:\n    hangup: common.goodbye",
        "  bye:\n    transfer: wants_a_person\n    say: common.goodbye",
    )
    (flows / "main.yaml").write_text(text)
    loaded = load_flowset(flows, tmp_path / "prompts")
    _, state = start(loaded)
    _, state = advance(loaded, state, Digits("1"))
    turn, state = advance(loaded, state, ActionDone("ok", {"amount": "5", "day": "2026-12-22"}))
    assert turn.kind is TurnKind.TRANSFER and turn.keys[-1] == "common.goodbye"
    assert state.transfer_reason == "wants_a_person"


def test_a_branch_case_written_yes_or_no_is_taken_for_a_true_or_false_value(tmp_path, flowset):
    """YAML reads `yes` and `no` as booleans; content staff write them as the docs say, and they work."""
    flows = tmp_path / "flows"
    (flows / "main.yaml").write_text(textwrap.dedent("""
        flow: main
        start: known
        steps:
          known:
            branch: known
            cases: {yes: thanks, no: menu}
            otherwise: bye
          thanks:
            say: demo.help
            next: bye
          menu:
            menu: demo.menu
            options: {1: bye}
          bye:
            hangup: common.goodbye
    """))
    loaded = load_flowset(flows, tmp_path / "prompts")
    for known, heard in ((True, ["demo.help", "common.goodbye"]), (False, ["demo.menu"]), (None, ["common.goodbye"])):
        state = CallState(position="", language="en", vars={"known": known})
        turn, _ = advance(loaded, state, Start())
        assert turn.keys == heard, known


def test_a_flow_says_what_it_is_for_in_each_language_or_once_for_all(tmp_path, flowset):
    assert flowset.flows["main"].description_in("fr") == ""
    flows = tmp_path / "flows"
    described = textwrap.dedent(FLOW).replace("start: menu", "description: {fr: Le menu., en: The menu.}\nstart: menu")
    (flows / "main.yaml").write_text(described)
    main = load_flowset(flows, tmp_path / "prompts").flows["main"]
    assert (main.description_in("fr"), main.description_in("en"), main.description) == ("Le menu.", "The menu.",
                                                                                       "Le menu.")
    (flows / "main.yaml").write_text(described.replace("{fr: Le menu., en: The menu.}", "One for all."))
    assert load_flowset(flows, tmp_path / "prompts").flows["main"].description_in("fr") == "One for all."
    (flows / "main.yaml").write_text(described.replace("en: The menu.", "eng: The menu."))
    with pytest.raises(FlowsInvalid) as error:
        load_flowset(flows, tmp_path / "prompts")
    assert [(f.code, f.line) for f in error.value.findings] == [("unknown-key", 3)]  # the description's line
    assert "did you mean 'en'?" in str(error.value)


def test_a_prompt_outline_is_the_sentence_with_blanks_for_the_calls_values(flowset):
    prompts = flowset.prompts
    assert prompts.outline("demo.amount", "en") == "You get … on …."
    assert prompts.outline("demo.amount", "fr", lambda name, fmt: f"[{name}/{fmt}]") == "You get [amount/money] on [day/date]."
    assert prompts.outline("demo.one_words", "en") is None and prompts.outline("demo.nothing", "en") is None


def test_flows_read_from_a_mapping_of_texts_are_the_flows_read_from_their_folders():
    """A stored version's files ({relative path: text}) load through the same code as the folders on disk:
    same version (the digest of the same bytes), same flows, same prompts, same hours."""
    shipped = Path(__file__).resolve().parents[2]
    files = {f"flows/{path.name}": path.read_text(encoding="utf-8") for path in (shipped / "flows").glob("*.yaml")}
    files |= {f"prompts/{path.relative_to(shipped / 'prompts').as_posix()}": path.read_text(encoding="utf-8")
              for path in (shipped / "prompts").glob("*/*.yaml")}
    stored = TextPath(files, "flows version under test")

    from_texts = load_flowset(stored / "flows", stored / "prompts")
    from_folders = load_flowset(shipped / "flows", shipped / "prompts")

    assert from_texts.version == from_folders.version
    assert from_texts.flows.keys() == from_folders.flows.keys()
    assert from_texts.prompts.keys("fr") == from_folders.prompts.keys("fr")
    assert str(from_texts.flows["main"].path) == "flows version under test/flows/main.yaml"


def test_a_mistake_in_a_mapping_of_texts_is_reported_under_its_relative_path():
    stored = TextPath({"flows/main.yaml": "flow: main\nsteps:\n  hello: {say: main.hello, next: nowhere}\n"},
                      "stored", folders=("prompts",))
    with pytest.raises(FlowsInvalid) as invalid:
        load_flowset(stored / "flows", stored / "prompts")
    assert any(finding.path == "stored/flows/main.yaml" and finding.line == 3 for finding in invalid.value.findings)
