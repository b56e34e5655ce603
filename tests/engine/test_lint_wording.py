"""The words of the prompts: one glossary term per thing, menus understand what they say, and a
menu's length is judged as a menu (issue 17). Each rule is shown by one example and its siblings."""

from __future__ import annotations

import pytest

from ivr.engine.findings import Severity

from tests.support.lint_project import Project, codes, line_of, only

GLOSSARY = """\
    agent:
      fr: {say: agent, also: [préposé]}
      en: {say: agent, also: [representative]}
      words: common.agent_words
    client_number:
      fr: {say: numéro de client, also: [client, numéro de dossier]}
      en: {say: client number, also: [customer number]}
    """

MENU_WITH_WORDS = """\
    flow: main
    steps:
      menu:
        menu: main.menu
        help: main.menu_help
        options:
          1: {words: main.status_words, next: goodbye}
          2: {words: main.address_words, next: goodbye}
      goodbye:
        hangup: main.goodbye
    """


@pytest.fixture
def project(tmp_path) -> Project:
    project = Project(tmp_path)
    project.write("prompts/glossary.yaml", GLOSSARY)
    for language in ("fr", "en"):
        common = project.prompts / language / "common.yaml"
        common.write_text(common.read_text(encoding="utf-8").replace(
            "agent_words: [agent, a person]", "agent_words: [agent, a person, préposé, representative]"),
            encoding="utf-8")
    return project


def menu_project(project: Project, fr_menu: str, en_menu: str, fr_help: str = '"Pour votre demande, faites le 1."',
                 en_help: str = '"For your application, press 1."', fr_status: str = "[état, demande]",
                 en_status: str = "[status, application]") -> Project:
    project.write("flows/main.yaml", MENU_WITH_WORDS)
    for language, menu, help_, status, address in (
        ("fr", fr_menu, fr_help, fr_status, "[adresse]"),
        ("en", en_menu, en_help, en_status, "[address]"),
    ):
        agent = " Pour un agent, faites le 0." if language == "fr" else " For an agent, press 0."
        menu = menu[:-1] + agent + menu[-1]  # every menu says how to reach a person (agent-not-announced)
        project.write(f"prompts/{language}/main.yaml", f"""\
            menu: {menu}
            menu_help: {help_}
            status_words: {status}
            address_words: {address}
            goodbye: "Au revoir."
            """)
    return project


def clean_menu(project: Project) -> Project:
    return menu_project(project, '"Pour l\'état de votre demande, faites le 1. Pour votre adresse, faites le 2."',
                        '"For the status of your application, press 1. For your address, press 2."')


def test_a_menu_in_the_glossary_terms_that_understands_its_words_is_clean(project):
    assert clean_menu(project).lint() == []


def saying_thanks(project: Project, fr: str, en: str) -> Project:
    """The clean menu, and a say step 'main.thanks' with these words after its goodbye option."""
    clean_menu(project)
    project.prompt("main.thanks", fr, en)
    project.write("flows/main.yaml", MENU_WITH_WORDS.replace("hangup: main.goodbye", "say: main.thanks\n        next: menu"))
    return project


# -- glossary-term --------------------------------------------------------------------------------


def test_a_prompt_that_uses_another_word_than_the_glossary_term_is_a_warning_naming_the_term(project):
    saying_thanks(project, '"Un préposé va vous répondre."', '"An agent will answer."')
    found = only(project.lint(), "glossary-term")
    assert found.path == project.path("prompts/fr/main.yaml")
    assert "'préposé'" in found.message and "'agent'" in found.message
    assert found.hint.startswith("write 'agent' (prompts/glossary.yaml, line 2)")
    assert "still understood" in found.hint  # the concept names the keywords that listen for it
    assert found.severity is Severity.WARNING


def test_an_other_word_inside_the_term_itself_or_in_a_value_name_is_not_flagged(project):
    saying_thanks(project, '"Entrez votre numéro de client : {client}."', '"Enter your client number: {customer_number}."')
    assert "glossary-term" not in codes(project.lint())


def test_an_other_word_of_a_concept_nobody_listens_for_gets_no_promise_of_being_understood(project):
    saying_thanks(project, '"Entrez votre numéro de client."', '"Enter your customer number."')
    found = only(project.lint(), "glossary-term")
    assert "'client number'" in found.message
    assert "understood" not in found.hint


# -- glossary-not-understood ----------------------------------------------------------------------


def test_a_glossary_word_missing_from_the_keywords_that_listen_for_it_is_a_warning(project):
    clean_menu(project)
    common = project.prompts / "en" / "common.yaml"
    common.write_text(common.read_text(encoding="utf-8").replace(", representative]", "]"), encoding="utf-8")
    found = only(project.lint(), "glossary-not-understood")
    assert found.path == project.path("prompts/en/common.yaml")
    assert "'representative'" in found.message
    assert found.hint.startswith("add representative to 'agent_words' in prompts/en/")


def test_a_concept_listened_for_with_a_sentence_is_a_warning_on_the_glossary(project):
    clean_menu(project)
    project.write("prompts/glossary.yaml", GLOSSARY.replace("common.agent_words", "common.noinput_1"))
    found = [f for f in project.lint() if f.code == "glossary-not-understood"][0]
    assert found.path == project.path("prompts/glossary.yaml")
    assert found.line == line_of(GLOSSARY, "agent:")


# -- glossary-invalid -----------------------------------------------------------------------------


def test_a_concept_without_its_english_term_is_a_warning_and_the_others_still_apply(project):
    glossary = GLOSSARY.replace("      en: {say: agent, also: [representative]}\n", "")
    saying_thanks(project, '"Merci."', '"Enter your customer number."')
    project.write("prompts/glossary.yaml", glossary)
    found = project.lint()
    invalid = only(found, "glossary-invalid")
    assert invalid.line == line_of(glossary, "agent:")
    assert "every language of the line" in invalid.message
    assert only(found, "glossary-term").path == project.path("prompts/en/main.yaml")


def test_a_project_without_a_glossary_has_no_glossary_findings(project):
    clean_menu(project)
    (project.prompts / "glossary.yaml").unlink()
    assert project.lint() == []


# -- said-word-not-understood ---------------------------------------------------------------------


@pytest.mark.parametrize("language, help_, said", [
    ("fr", '"Vous pouvez aussi dire « statut »."', "statut"),
    ("en", '"You can also say “progress”."', "progress"),
    ("en", '"You can also say address or payments."', "payments"),  # unquoted words after "say" count too
    ("fr", '"Vous pouvez aussi dire adresse ou paiements."', "paiements"),
])
def test_a_word_the_help_tells_callers_to_say_that_no_option_understands_is_a_warning(project, language, help_,
                                                                                     said):
    helps = {"fr_help": '"Vous pouvez dire « adresse »."', "en_help": '"You can say “address”."'}
    helps[f"{language}_help"] = help_
    menu_project(project, '"Pour l\'état de votre demande, faites le 1. Pour votre adresse, faites le 2."',
                 '"For the status of your application, press 1. For your address, press 2."', **helps)
    found = only(project.lint(), "said-word-not-understood")
    assert found.path == project.path(f"prompts/{language}/main.yaml")
    assert f"'{said}'" in found.message and "menu 'menu'" in found.message
    assert f"add '{said}'" in found.hint


def test_a_quoted_word_is_understood_by_an_option_or_by_the_words_every_prompt_understands(project):
    menu_project(project, '"Pour l\'état de votre demande, faites le 1. Pour votre adresse, faites le 2."',
                 '"For the status of your application, press 1. For your address, press 2."',
                 fr_help='"Dites « ma demande », « adresse » ou « agent »."',
                 en_help='"Say “my application”, “address” or “repeat”."')
    assert project.lint() == []


# -- menu-wording-not-understood ------------------------------------------------------------------


def test_a_menu_that_offers_an_option_in_words_the_option_does_not_understand_is_a_warning(project):
    menu_project(project, '"Pour vos paiements, faites le 1. Pour votre adresse, faites le 2."',
                 '"For your payments, press 1. For your address, press 2."')
    found = [f for f in project.lint() if f.code == "menu-wording-not-understood"]
    assert [f.path for f in found] == [project.path("prompts/en/main.yaml"), project.path("prompts/fr/main.yaml")]
    assert '"Pour vos paiements, faites le 1."' in found[1].message
    assert "'main.status_words'" in found[1].message
    assert found[1].hint.startswith("add the main word of that sentence to 'status_words' in prompts/fr/")


def test_the_same_menu_is_clean_once_the_option_understands_its_own_wording(project):
    menu_project(project, '"Pour vos paiements, faites le 1. Pour votre adresse, faites le 2."',
                 '"For your payments, press 1. For your address, press 2."',
                 fr_status="[état, demande, paiements]", en_status="[status, application, payments]")
    assert "menu-wording-not-understood" not in codes(project.lint())


def test_an_option_without_words_is_not_judged_on_its_wording(project):
    menu_project(project, '"Pour vos paiements, faites le 1. Pour votre adresse, faites le 2."',
                 '"For your payments, press 1. For your address, press 2."')
    project.write("flows/main.yaml", MENU_WITH_WORDS.replace("{words: main.status_words, next: goodbye}",
                                                             "{next: goodbye}"))
    assert "menu-wording-not-understood" not in codes(project.lint())


# -- prompt-too-long, for a menu --------------------------------------------------------------------


def long_menu(project: Project, en_menu: str, options: int = 2) -> list:
    flow = ["flow: main", "steps:", "  menu:", "    menu: main.menu", "    options:"]
    flow += [f"      {n}: {{next: goodbye}}" for n in range(1, options + 1)]
    flow += ["  goodbye:", "    hangup: main.goodbye"]
    project.write("flows/main.yaml", "\n".join(flow) + "\n")
    project.write("prompts/fr/main.yaml", 'menu: "Faites le 1 ou le 0."\ngoodbye: "Au revoir."\n')
    project.write("prompts/en/main.yaml", f'menu: "{en_menu}"\ngoodbye: "Goodbye."\n')
    return [f for f in project.lint() if f.code == "prompt-too-long"]


def test_a_three_option_menu_with_the_agent_option_fits_although_it_has_26_words(project):
    menu = ("For the status of your application, press 1. To change your address, press 2. "
            "To order a new card, press 3. For an agent, press 0.")
    assert long_menu(project, menu, options=3) == []


def test_a_menu_with_too_many_choices_is_told_to_offer_fewer(project):
    menu = " ".join(f"To hear about item {n}, press {n}." for n in range(1, 6)) + " For an agent, press 0."
    (found,) = long_menu(project, menu, options=5)
    assert "6 choices" in found.message
    assert found.hint.startswith("offer fewer choices (about 3 and the agent)")


def test_a_full_menu_that_says_the_agent_option_is_told_to_say_it_once_at_the_start(project):
    menu = ("To hear about the status of your application, press 1. To hear how to change your address, press 2. "
            "To hear how to order a brand new card, press 3. To speak to one of our agents, press 0.")
    (found,) = long_menu(project, menu, options=3)
    assert "once at the start of the call" in found.hint
    assert "two steps" not in found.hint


def test_a_menu_with_long_choices_is_told_how_long_a_choice_should_be(project):
    menu = ("If you would like to hear everything about the status of your application, press 1. "
            "If you would like to tell us about the new address where you live, press 2.")
    (found,) = long_menu(project, menu)
    assert found.hint.startswith("say each choice in about 7 words, the goal then the key")
    assert "has 15" in found.hint


def test_a_prompt_that_is_not_a_menu_still_gets_the_plain_limit(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          hello:
            say: main.long
            next: menu
          menu:
            menu: main.menu
            options: {1: goodbye}
          goodbye:
            hangup: main.goodbye
        """)
    project.prompt("main.long", '"Court."', '"' + " ".join(["word"] * 26) + '."')
    found = only(project.lint(), "prompt-too-long")
    assert "26 words; keep it under about 25" in found.message
    assert "two steps" not in found.hint


# -- goal-after-key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fr_help, en_help, language, quoted", [
    ('"Faites le 1 pour votre demande. Faites le 2 pour votre adresse."', '"For your application, press 1."',
     "fr", "Faites le 1 pour votre demande."),
    ('"Pour votre demande, faites le 1."', '"Press 2 to change your address."', "en",
     "Press 2 to change your address."),
])
def test_a_menu_that_says_the_key_before_the_goal_is_a_warning(project, fr_help, en_help, language, quoted):
    menu_project(project, '"Pour l\'état de votre demande, faites le 1. Pour votre adresse, faites le 2."',
                 '"For the status of your application, press 1. For your address, press 2."',
                 fr_help=fr_help, en_help=en_help)
    found = only(project.lint(), "goal-after-key")
    assert found.path == project.path(f"prompts/{language}/main.yaml")
    assert f'"{quoted}"' in found.message
    assert found.hint.startswith("say the goal first and end the sentence with the key")


def test_numbers_in_a_question_are_not_choices_and_a_key_then_or_another_key_still_ends_the_sentence(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          number:
            ask: main.number
            help: main.number_help
            into: number
            expect: digits
            length: 9
            next: menu
          menu:
            menu: main.menu
            options: {1: goodbye, 2: agent}
          goodbye:
            hangup: main.goodbye
        """)
    project.prompt("main.number", '"Entrez les 9 chiffres."', '"Enter the 9 digits."')
    project.prompt("main.number_help", '"Votre numéro a 9 chiffres. Entrez 1 9 5 2 pour 1952."',
                   '"Your number has 9 digits. Enter 1 9 5 2 for 1952."')
    assert "goal-after-key" not in codes(project.lint())
