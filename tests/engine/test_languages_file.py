"""flows/languages.yaml is checked like every content file: each mistake a finding with its file and line,
and a broken file leaves the built-in French/English line serving while staff fix it."""

from __future__ import annotations

import textwrap

import jsonschema
import pytest
import yaml

from ivr.engine.languages import BUILT_IN, read_languages
from ivr.engine.schema import languages_schema

from tests.support.lint_project import Project, line_of, only
from tests.support.lint_project import FLOWS

GOOD = """\
    languages:
      - {code: fr, name: Français, locale: fr_CA, speech: fr-CA, voice: Polly.Chantal, queue: agents-fr}
      - {code: en, name: English, locale: en_CA, speech: en-CA, voice: Polly.Joanna, voice_language: en-US,
         queue: agents-en}
    """


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


def test_the_shipped_file_declares_the_built_in_line_in_greeting_order():
    shipped = read_languages(FLOWS)
    assert shipped.codes == BUILT_IN.codes == ("fr", "en")
    assert [(l.locale, l.speech, l.voice, l.say_language, l.queue) for l in shipped] == \
        [(l.locale, l.speech, l.voice, l.say_language, l.queue) for l in BUILT_IN]
    assert shipped.unknown_queue == BUILT_IN.unknown_queue == "agents-bilingual"


def test_a_flows_folder_without_the_file_serves_french_then_english(project):
    assert read_languages(project.flows) is BUILT_IN
    assert project.lint() == []


@pytest.mark.parametrize("broken, code, needle", [
    (GOOD.replace("locale: fr_CA", "locale: fr_XX_nowhere"), "bad-locale", "code: fr"),
    (GOOD.replace("speech: en-CA", "speech: english"), "bad-speech-language", "code: en"),
    (GOOD.replace("code: en", "code: EN1"), "bad-language", "code: EN1"),
    (GOOD.replace(" queue: agents-en}", " queue: agents-fr}"), "queue-twice", "code: en"),
    (GOOD.replace("code: en", "code: fr"), "language-twice", "code: fr, name: English"),
    (GOOD.replace("voice: Polly.Chantal, ", ""), "language-incomplete", "code: fr"),
    (GOOD.replace("voice: Polly.Chantal", "voix: Polly.Chantal"), "unknown-key", "code: fr"),
    ("languages: []\n", "languages-missing", "languages"),
])
def test_each_mistake_is_a_finding_at_its_line(project, broken, code, needle):
    path = project.write("flows/languages.yaml", broken)
    found = only(project.lint(), code)
    assert found.path == str(path) and found.line == line_of(broken, needle), str(found)
    assert read_languages(project.flows) is BUILT_IN  # the line keeps serving what it did


def test_an_option_for_a_language_the_line_does_not_declare_is_refused_with_the_declared_ones(project):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          menu:
            menu: main.menu
            options:
              1: {language: es, next: agent}
        """)
    found = only(project.lint(), "bad-language")
    assert "'es'" in found.message and "fr, en" in found.hint


def test_the_schema_accepts_the_shipped_shape_and_refuses_a_misspelt_key():
    jsonschema.validate(yaml.safe_load(textwrap.dedent(GOOD)), languages_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"languages": [{"code": "fr", "nom": "Français"}]}, languages_schema())
