"""Each lint rule, shown by one broken flow: the finding's code, its line, and the fix it offers."""

from __future__ import annotations

import pytest

from ivr.engine.findings import FlowsInvalid, Severity
from ivr.engine.loader import load_flowset

from ivr.lint_context import SAID_BY_CODE

from tests.support.lint_project import MAIN, Project, codes, line_of, only


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


def test_the_small_project_is_clean(project):
    assert project.lint() == []


# -- format ---------------------------------------------------------------------------------


def test_a_misspelt_setting_points_at_its_line_and_column_and_suggests_the_right_word(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
          thanks:
            say: main.thanks
            nxt: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = [f for f in project.lint() if f.code == "unknown-key"][0]
    assert (found.path, found.line, found.column) == (project.path("flows/main.yaml"), line_of(flow, "nxt:"), 5)
    assert "'nxt'" in found.message
    assert found.hint == "did you mean 'next'?"
    assert found.severity is Severity.ERROR


def test_a_misspelt_step_kind_is_named_with_a_suggestion(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
              2: {next: agent}
          thanks:
            tranfer: asked_for_agent
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "step-kind-missing")
    assert found.line == line_of(flow, "thanks:")
    assert found.hint == "did you mean 'transfer'?"


def test_broken_yaml_gives_the_line_where_the_parser_stopped(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
             options: {1: thanks}
        """
    project.write("flows/main.yaml", flow)
    found = [f for f in project.lint() if f.code == "yaml-syntax"][0]
    assert found.line == line_of(flow, "options")
    assert found.message == f"line {found.line} is indented more than the line above it"


def test_a_start_that_is_not_a_step_is_an_error(project):
    flow = """\
        flow: main
        start: welcom
        steps:
          welcome:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "start-missing")
    assert found.line == line_of(flow, "start:")
    assert found.hint == "did you mean 'welcome'?"


@pytest.mark.parametrize("broken", ["menu", "thanks"])
def test_a_step_that_cannot_be_read_gets_its_finding_and_nothing_that_follows_from_it(project, broken):
    """It exists, broken: not 'missing' for the start or the jumps to it, and what only it reaches or says
    is not reported unreached or unused (issue 12: the cause first, no cascade)."""
    flow = MAIN.replace(f"      {broken}:\n        ", f"      {broken}:\n        hangup: main.goodbye\n        ")
    project.write("flows/main.yaml", flow)
    assert codes(project.lint()) == ["step-kind-twice"], "\n".join(map(str, project.lint()))


def test_a_setting_written_as_far_left_as_the_steps_is_named_as_a_setting(project):
    flow = MAIN.replace("        options:", "      options:")
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "step-kind-missing")
    assert found.line == line_of(flow, "options:")
    assert found.hint == ("'options' is a setting of a step, but it starts as far left as the steps: indent it as "
                          "far as the settings of the step above it")


# -- graph ----------------------------------------------------------------------------------


def test_a_jump_to_a_missing_step_suggests_the_closest_name(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
              2: {next: agnet}
          thanks:
            say: main.thanks
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "missing-target")
    assert found.line == line_of(flow, "agnet")
    assert "'agnet'" in found.message
    assert found.hint == "did you mean 'agent'?"


def test_a_jump_into_another_flow_checks_that_flows_steps(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: other/thanx}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    project.write("flows/other.yaml", """\
        flow: other
        steps:
          thanks:
            say: main.thanks
            next: main/goodbye
        """)
    found = only(project.lint(), "missing-target")
    assert found.line == line_of(flow, "other/thanx")
    assert found.hint == "did you mean 'thanks'?"


def test_using_a_flow_that_does_not_exist_is_an_error(project):
    flow = """\
        flow: main
        steps:
          check:
            use: identfy
            next: {verified: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    project.write("flows/identify.yaml", """\
        flow: identify
        steps:
          done:
            return: verified
        """)
    found = only(project.lint(), "missing-flow")
    assert found.line == line_of(flow, "check:")
    assert found.hint == "did you mean 'identify'?"


def test_an_action_the_backend_does_not_have_is_an_error_when_the_actions_are_known(project):
    flow = """\
        flow: main
        steps:
          lookup:
            action: status.lokup
            next: {ok: goodbye, error: agent}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(actions=["status.lookup"]), "unknown-action")
    assert found.line == line_of(flow, "lookup:")
    assert found.hint == "did you mean 'status.lookup'?"


def test_a_menu_option_cannot_take_the_agent_key(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
              0: {next: goodbye}
          thanks:
            say: main.thanks
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "reserved-key")
    assert found.line == line_of(flow, "0: {next")
    assert "agent key" in found.message


def test_a_step_nothing_leads_to_is_a_warning(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: goodbye}
          thanks:
            say: main.thanks
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "unreachable-step")
    assert found.line == line_of(flow, "thanks:")
    assert found.severity is Severity.WARNING


def test_a_step_reached_only_from_another_flow_is_reachable(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: other}
          goodbye:
            hangup: main.goodbye
        """)
    project.write("flows/other.yaml", """\
        flow: other
        steps:
          thanks:
            say: main.thanks
            next: main/goodbye
        """)
    assert project.lint() == []


def test_a_flow_no_call_reaches_is_one_warning_not_one_per_step(project):
    flow = """\
        flow: lonely
        steps:
          thanks:
            say: main.thanks
            next: bye
          bye:
            hangup: main.goodbye
        """
    project.write("flows/lonely.yaml", flow)
    found = only(project.lint(), "flow-unused")
    assert found.line == line_of(flow, "flow: lonely")
    assert "unreachable-step" not in codes(project.lint())


def test_steps_that_go_round_without_asking_anything_are_an_error(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
          thanks:
            say: main.thanks
            next: again
          again:
            say: main.thanks
            next: thanks
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "loop-without-input")
    assert found.line == line_of(flow, "thanks:")
    assert "thanks → again → thanks" in found.message


def test_a_loop_through_a_menu_is_fine_because_the_caller_can_answer(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
          thanks:
            say: main.thanks
            next: menu
        """)
    assert "loop-without-input" not in codes(project.lint())


def test_a_say_step_must_say_where_the_call_goes_next(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
          thanks:
            say: main.thanks
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "say-without-next")
    assert found.line == line_of(flow, "thanks:")


def test_a_branch_needs_an_otherwise(project):
    flow = """\
        flow: main
        steps:
          choose:
            branch: kind
            cases: {a: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "branch-without-otherwise")
    assert found.line == line_of(flow, "choose:")


def test_return_in_a_flow_that_no_step_uses_is_an_error(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: done}
          done:
            return: verified
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "return-outside-subflow")
    assert found.line == line_of(flow, "done:")


def test_a_use_step_must_handle_every_result_its_sub_flow_returns(project):
    flow = """\
        flow: main
        steps:
          check:
            use: identify
            next: {verified: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    project.write("flows/identify.yaml", """\
        flow: identify
        steps:
          ask:
            menu: main.menu
            options:
              1: {next: yes}
              2: {next: no}
          yes:
            return: verified
          no:
            return: failed
        """)
    found = only(project.lint(), "outcome-not-handled")
    assert found.path == project.path("flows/main.yaml")
    assert found.line == line_of(flow, "check:")
    assert "'failed'" in found.message


def test_retries_of_a_question_must_end_with_an_agent(project):
    flow = """\
        flow: main
        steps:
          number:
            ask: main.menu
            into: number
            retries: {noinput: [common.noinput_1], then: goodbye}
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "retries-not-to-agent")
    assert found.line == line_of(flow, "retries:")
    assert "'goodbye'" in found.message


def test_retries_may_end_with_a_transfer_step(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          number:
            ask: main.menu
            into: number
            retries: {then: to_agent}
            next: goodbye
          to_agent:
            transfer: no_answer
          goodbye:
            hangup: main.goodbye
        """)
    assert "retries-not-to-agent" not in codes(project.lint())


def test_the_global_retries_must_end_with_an_agent(project):
    settings = """\
        retries:
          menu:
            noinput: [common.noinput_1]
            then: main/goodbye
        """
    project.write("flows/global.yaml", settings)
    found = only(project.lint(), "retries-not-to-agent")
    assert found.path == project.path("flows/global.yaml")
    assert found.line == line_of(settings, "menu:")


# -- prompts --------------------------------------------------------------------------------


def test_a_prompt_missing_in_english_points_at_the_step_that_says_it(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: hello}
          hello:
            say: main.hello
            next: menu
        """
    project.write("flows/main.yaml", flow)
    project.write("prompts/fr/extra.yaml", "")
    (project.prompts / "fr" / "main.yaml").write_text(
        (project.prompts / "fr" / "main.yaml").read_text() + 'hello: "Bonjour."\n')
    found = only(project.lint(), "prompt-missing")
    assert found.line == line_of(flow, "hello:")
    assert "prompts/en/" in found.message
    assert "prompts/en/main.yaml" in found.hint


def test_french_and_english_must_use_the_same_values(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.amount"))
    project.prompt("main.amount", '"Vous recevrez {amount:money}."', '"You will get {amount}."')
    found = only(project.lint(), "placeholders-differ")
    assert found.path == project.path("prompts/en/main.yaml")
    assert found.line == 4
    assert "{amount:money}" in found.message and "{amount}" in found.message


def test_an_unknown_format_suggests_a_known_one(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.amount"))
    project.prompt("main.amount", '"Vous recevrez {amount:mony}."', '"You will get {amount:mony}."')
    found = [f for f in project.lint() if f.code == "unknown-format"]
    assert [f.line for f in found] == [4, 4]
    assert found[0].hint == "did you mean 'money'?"


def test_a_spoken_prompt_that_is_a_list_of_keywords_is_an_error(project):
    flow = MAIN_SAYING("common.agent_words")
    project.write("flows/main.yaml", flow)
    found = [f for f in project.lint() if f.code == "prompt-not-sentence"]
    assert len(found) == 2  # once per language
    assert "list of keywords" in found[0].message
    assert found[0].line == line_of(flow, "hello:")


def test_keywords_that_name_a_sentence_are_an_error(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {words: main.thanks, next: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = [f for f in project.lint() if f.code == "prompt-not-keywords"]
    assert found and found[0].line == line_of(flow, "words: main.thanks")


def test_a_recording_a_prompt_names_must_exist(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.jingle"))
    project.prompt("main.jingle", '{text: "Bienvenue.", audio: bienvenue.wav}',
                   '{text: "Welcome.", audio: welcome.wav}')
    (project.prompts / "fr" / "audio").mkdir()
    (project.prompts / "fr" / "audio" / "bienvenue.wav").write_bytes(b"RIFF")
    found = only(project.lint(), "audio-missing")
    assert found.path == project.path("prompts/en/main.yaml")
    assert found.line == 4
    assert "welcome.wav" in found.message


def test_a_prompt_no_flow_uses_is_a_warning_in_each_language(project):
    project.prompt("main.old", '"Ancien."', '"Old."')
    found = [f for f in project.lint() if f.code == "prompt-unused"]
    assert sorted(f.path for f in found) == [project.path("prompts/en/main.yaml"), project.path("prompts/fr/main.yaml")]
    assert {f.line for f in found} == {4}
    assert all(f.severity is Severity.WARNING for f in found)


def test_prompts_the_program_says_on_hold_count_as_used_and_must_exist(project):
    (project.prompts / "en" / "hold.yaml").write_text('position: "You are number {position} in line."\n')
    found = [f for f in project.lint() if f.code == "prompt-missing"]
    assert {f.message for f in found} >= {"prompt 'hold.stay' has no words in prompts/en/"}
    assert "prompt-unused" not in codes(project.lint())


def test_terms_count_as_used_when_a_sentence_inserts_a_term(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.benefit"))
    project.prompt("main.benefit", '"Votre {benefit:term}."', '"Your {benefit:term}."')
    project.prompt("terms.pension", '"pension"', '"pension"')
    assert not [f for f in project.lint() if "terms." in f.message]


# -- usability ------------------------------------------------------------------------------


def test_more_than_five_options_is_a_warning(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: goodbye}
              2: {next: goodbye}
              3: {next: goodbye}
              4: {next: goodbye}
              5: {next: goodbye}
              6: {next: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "menu-too-many-options")
    assert found.line == line_of(flow, "menu:")
    assert found.severity is Severity.WARNING


def test_options_out_of_order_point_at_the_first_one_out_of_place(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              2: {next: goodbye}
              1: {next: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "options-out-of-order")
    assert found.line == line_of(flow, "1: {next")


def test_options_with_a_gap_are_a_warning(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: goodbye}
              3: {next: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "options-gap")
    assert found.line == line_of(flow, "3: {next")


def test_a_fourth_menu_in_a_row_is_too_deep(project):
    flow = """\
        flow: main
        steps:
          one:
            menu: main.menu
            options: {1: two}
          two:
            menu: main.menu
            options: {1: three}
          three:
            menu: main.menu
            options: {1: four}
          four:
            menu: main.menu
            options: {1: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "menu-too-deep")
    assert found.line == line_of(flow, "four:")


def test_a_task_between_menus_starts_the_depth_again(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          one:
            menu: main.menu
            options: {1: two}
          two:
            menu: main.menu
            options: {1: three}
          three:
            menu: main.menu
            options: {1: number}
          number:
            ask: main.menu
            into: number
            next: four
          four:
            menu: main.menu
            options: {1: goodbye}
          goodbye:
            hangup: main.goodbye
        """)
    assert "menu-too-deep" not in codes(project.lint())


def test_a_prompt_over_25_words_in_english_is_a_warning(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.long"))
    long_en = " ".join(["word"] * 26)
    project.prompt("main.long", '"Un peu long, mais moins de trente mots."', f'"{long_en}."')
    found = only(project.lint(), "prompt-too-long")
    assert found.path == project.path("prompts/en/main.yaml")
    assert "26 words" in found.message


def test_a_long_sentence_is_a_warning_even_in_a_short_prompt(project):
    project.write("flows/main.yaml", MAIN_SAYING("main.long"))
    sentence = " ".join(["mot"] * 25)
    project.prompt("main.long", f'"{sentence}."', '"Short. Very short."')
    found = only(project.lint(), "sentence-too-long")
    assert found.path == project.path("prompts/fr/main.yaml")


def test_a_number_read_digit_by_digit_counts_as_one_word():
    from ivr.engine.lint.usability import count_words

    assert count_words("For example, enter 1 9 4 8 0 5 1 7.") == 4
    assert count_words("Your payment of {amount:money} is made.") == 6


def test_a_menu_whose_caller_never_heard_about_the_agent_key_is_a_warning(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.quiet
            options: {1: goodbye}
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    project.prompt("main.quiet", '"Pour continuer, faites le 1."', '"To go on, press 1."')
    found = only(project.lint(), "agent-not-announced")
    assert found.line == line_of(flow, "menu:")


def test_the_agent_key_announced_once_earlier_covers_the_menus_after_it(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          language:
            menu: main.quiet
            options:
              1: {language: fr, next: welcome}
              2: {language: en, next: welcome}
          welcome:
            say: main.menu
            next: menu
          menu:
            menu: main.quiet
            options: {1: goodbye}
          goodbye:
            hangup: main.goodbye
        """)
    project.prompt("main.quiet", '"Pour continuer, faites le 1."', '"To go on, press 1."')
    assert "agent-not-announced" not in codes(project.lint())


def test_asking_for_digits_by_speech_is_a_warning(project):
    flow = """\
        flow: main
        steps:
          number:
            ask: main.menu
            input: speech
            into: number
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "speech-digits")
    assert found.line == line_of(flow, "number:")


# -- hours ----------------------------------------------------------------------------------


def test_hours_with_a_bad_time_and_an_unknown_subdivision_give_their_lines(project):
    hours = """\
        timezone: America/Toronto
        open:
          monday: "08:00-25:00"
        holidays: {country: CA, subdivision: QX}
        """
    project.write("flows/hours.yaml", hours)
    found = [f for f in project.lint() if f.code == "hours-invalid"]
    assert [f.line for f in found] == [line_of(hours, "monday"), line_of(hours, "holidays")]
    assert "'QX'" in found[1].message and "QC" in found[1].hint


def test_a_misspelt_timezone_is_suggested(project):
    project.write("flows/hours.yaml", """\
        timezone: America/Toronot
        open: {monday: "08:00-17:00"}
        holidays: {country: CA}
        """)
    found = only(project.lint(), "hours-invalid")
    assert "America/Toronto" in found.hint


# -- errors block loading, warnings do not ---------------------------------------------------


def test_the_loader_refuses_flows_with_errors_and_lists_every_one(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
              0: {next: nowhere}
          thanks:
            say: main.thanks
        """)
    with pytest.raises(FlowsInvalid) as refused:
        load_flowset(project.flows, project.prompts)
    assert {"reserved-key", "missing-target", "say-without-next"} <= set(codes(refused.value.findings))


def test_the_loader_accepts_flows_with_warnings_and_keeps_them(project):
    project.prompt("main.old", '"Ancien."', '"Old."')
    flowset = load_flowset(project.flows, project.prompts, code_prompts=SAID_BY_CODE)
    assert codes(flowset.warnings) == ["prompt-unused", "prompt-unused"]


def MAIN_SAYING(key: str) -> str:  # noqa: N802 - reads as a constant in the tests
    """The small main flow, with a say step that speaks `key` before the menu."""
    return f"""\
        flow: main
        steps:
          hello:
            say: {key}
            next: menu
          menu:
            menu: main.menu
            options:
              1: {{next: goodbye}}
          goodbye:
            hangup: main.goodbye
        """


def test_a_bare_yes_in_a_list_of_keywords_is_an_error_because_yaml_reads_it_as_true(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {words: main.yes_words, next: thanks}
          thanks:
            say: main.thanks
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """)
    project.prompt("main.yes_words", "[oui, d'accord]", "[yes, okay]")
    found = only(project.lint(), "keyword-not-text")
    assert found.path == project.path("prompts/en/main.yaml")
    assert found.line == 4
    assert '"yes"' in found.hint


def test_a_question_that_wants_words_must_listen_to_speech(project):
    flow = """\
        flow: main
        steps:
          street:
            ask: main.menu
            expect: text
            into: street
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "ask-needs-speech")
    assert found.line == line_of(flow, "street:")
    assert found.hint == "add input: speech"


def test_the_repeat_key_cannot_be_the_agent_key(project):
    settings = """\
        agent: {key: "0"}
        repeat: {key: "0"}
        """
    project.write("flows/global.yaml", settings)
    found = only(project.lint(), "bad-global-key")
    assert found.line == line_of(settings, "repeat:")
    assert "'0'" in found.message


def test_a_global_key_must_be_one_key_of_a_phone(project):
    project.write("flows/global.yaml", 'agent: {key: "00"}\n')
    found = only(project.lint(), "bad-global-key")
    assert found.line == 1


def test_a_misspelt_next_points_at_its_step_and_suggests_the_step_meant(project):
    flow = """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {next: thanks}
          thanks:
            say: main.thanks
            next: goodbey
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "missing-target")
    assert (found.line, found.column) == (line_of(flow, "thanks:"), 3)
    assert found.message == "step 'thanks' goes next to 'goodbey', which does not exist"
    assert found.hint == "did you mean 'goodbye'?"
