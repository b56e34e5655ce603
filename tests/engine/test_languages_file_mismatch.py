"""A language's locale, speech and voice_language are in that language: `speech: en-CA` under `code: fr`
is a well-formed tag that babel and Twilio accept, yet French callers would be recognised as English.
Lint names the file, the line of the setting and the tag to write (ivr.engine.languages, language-mismatch)."""

from __future__ import annotations

import pytest

from ivr.engine.languages import BUILT_IN, read_languages

from tests.support.lint_project import Project, line_of, only

BLOCKS = """\
    languages:
      - code: fr
        name: Français
        locale: fr_CA
        speech: fr-CA
        voice: Polly.Chantal
        queue: agents-fr
      - code: en
        name: English
        locale: en_CA
        speech: en-CA
        voice: Polly.Joanna
        voice_language: en-US
        queue: agents-en
    """


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


@pytest.mark.parametrize("wrong, right, needle, hint", [
    ("speech: fr-CA", "speech: en-CA", "speech: en-CA", "fr-CA"),
    ("locale: fr_CA", "locale: en_CA", "locale: en_CA", "fr_CA"),
    ("voice_language: en-US", "voice_language: fr-CA", "voice_language: fr-CA", "en-CA"),
])
def test_a_setting_in_another_language_than_its_block_is_a_finding_at_its_line_with_the_tag_to_write(
        project, wrong, right, needle, hint):
    broken = BLOCKS.replace(wrong, right)
    path = project.write("flows/languages.yaml", broken)
    found = only(project.lint(), "language-mismatch")
    assert found.path == str(path) and found.line == line_of(broken, needle), str(found)
    assert hint in found.hint
    assert read_languages(project.flows) is BUILT_IN  # the line keeps serving what it did


def test_a_three_letter_tag_twilio_uses_for_a_two_letter_code_is_not_a_mismatch(project):
    project.write("flows/languages.yaml", BLOCKS.replace("speech: en-CA", "speech: eng-CA"))
    assert [f for f in project.lint() if f.code == "language-mismatch"] == []
