"""Every word said on hold or after hours is in prompts/fr and prompts/en, and declared for the linter."""

from __future__ import annotations

import re
import pytest

from ivr.config import ROOT
from ivr.engine.prompts import load_prompts
from ivr.content.waiting_prompts import PROMPTS_SAID


def test_every_prompt_key_quoted_in_the_waiting_code_is_declared():
    """The hold loop's decisions (ivr/calls/) and its views (ivr/telephony/) name the keys they say."""
    source = "\n".join(path.read_text(encoding="utf-8") for folder in ("calls", "telephony")
                       for path in sorted((ROOT / "ivr" / folder).glob("*.py")))
    quoted = set(re.findall(r"[\"']((?:hold|closed|common)\.[a-z_]+)[\"']", source))
    assert quoted and quoted <= set(PROMPTS_SAID)


@pytest.fixture(scope="module")
def prompts():
    return load_prompts(ROOT / "prompts")[0]


@pytest.mark.parametrize("key", PROMPTS_SAID)
def test_each_waiting_prompt_exists_in_both_languages_with_the_same_values(prompts, key):
    fr, en = prompts.get(key, "fr"), prompts.get(key, "en")
    assert fr is not None and fr.text, f"{key} is missing from prompts/fr/"
    assert en is not None and en.text, f"{key} is missing from prompts/en/"
    assert fr.placeholders == en.placeholders


@pytest.mark.parametrize("key", PROMPTS_SAID)
def test_each_waiting_prompt_is_short_enough_to_remember(prompts, key):
    for language in ("fr", "en"):
        assert len(prompts.get(key, language).text.split()) <= 25, f"prompts/{language}: {key} is too long"
