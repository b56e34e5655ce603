"""A small, clean flows-and-prompts project in a temporary folder, for tests to break one rule at a time."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ivr.config import ROOT
from ivr.engine.findings import Finding
from ivr.engine.lint import lint
from ivr.lint_context import SAID_BY_CODE

SHIPPED_PROMPTS = ROOT / "prompts"

MAIN = """\
    flow: main
    start: menu
    steps:
      menu:
        menu: main.menu
        options:
          1: {next: thanks}
          2: {next: agent}

      thanks:
        say: main.thanks
        next: goodbye

      goodbye:
        hangup: main.goodbye
    """

COMMON = """\
    agent_words: [agent, a person]
    repeat_words: [repeat, again]
    noinput_1: "I didn't hear anything."
    noinput_2: "I still didn't hear anything. For an agent, press 0."
    take_your_time: "Take your time."
    nomatch_1: "Sorry, I didn't get that."
    nomatch_2: "Sorry, I still didn't get that."
    speech_nomatch_1: "Sorry, please speak slowly."
    transferring: "Transferring you to an agent."
    fault: "Sorry, we have a problem. Transferring you to an agent."
    """

MAIN_PROMPTS = {
    "fr": """\
        menu: "Pour les nouvelles, faites le 1. Pour un agent, faites le 2 ou le 0."
        thanks: "Merci."
        goodbye: "Au revoir."
        """,
    "en": """\
        menu: "For news, press 1. For an agent, press 2 or 0."
        thanks: "Thank you."
        goodbye: "Goodbye."
        """,
}


class Project:
    """flows/ and prompts/{fr,en}/ under one folder; every file can be replaced or added."""

    def __init__(self, root: Path):
        self.root = root
        self.flows = root / "flows"
        self.prompts = root / "prompts"
        self.write("flows/main.yaml", MAIN)
        for language in ("fr", "en"):
            self.write(f"prompts/{language}/common.yaml", COMMON)
            self.write(f"prompts/{language}/main.yaml", MAIN_PROMPTS[language])
            for said_by_code in ("hold.yaml", "closed.yaml", "recording.yaml", "survey.yaml"):  # the program says these
                shipped = SHIPPED_PROMPTS / language / said_by_code
                self.write(f"prompts/{language}/{said_by_code}", shipped.read_text(encoding="utf-8"))

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def prompt(self, key: str, fr: str, en: str) -> None:
        """Add one prompt, in both languages, to the namespace its key names."""
        namespace, _, name = key.partition(".")
        for language, text in (("fr", fr), ("en", en)):
            path = self.prompts / language / f"{namespace}.yaml"
            before = path.read_text(encoding="utf-8") if path.exists() else ""
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(before + f"{name}: {text}\n", encoding="utf-8")

    def lint(self, actions=None) -> list[Finding]:
        return lint(self.flows, self.prompts, actions=actions, code_prompts=SAID_BY_CODE)

    def path(self, relative: str) -> str:
        return str(self.root / relative)


def line_of(text: str, needle: str) -> int:
    """The line (from 1) of the dedented text where `needle` first appears."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the text")


def only(findings: list[Finding], code: str) -> Finding:
    """The one finding with this code; fails with every finding listed when there is not exactly one."""
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, "\n".join(str(f) for f in findings) or "no findings"
    return matching[0]


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]



FLOWS = ROOT / "flows"


PROMPTS = ROOT / "prompts"
