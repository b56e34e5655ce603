"""flows/costs.yaml as content staff write it: each mistake is one finding with its line and its fix."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.engine.costs import DEFAULTS, Channel, parse, read_costs

from tests.support.lint_project import Project

GOOD = """\
    currency: CAD
    per_contact:
      web: "0.65"
      ivr: "1.85"
      email: "2.50"
      agent_call: "4.50"
    queue:
      answered_within_seconds: 180
    """


def read(text: str):
    return parse(textwrap.dedent(text), "flows/costs.yaml")


def only(text: str):
    costs, findings = read(text)
    assert costs is None
    assert len(findings) == 1, [str(f) for f in findings]
    return findings[0]


def test_the_shipped_file_gives_the_research_defaults():
    costs = read_costs("flows")
    assert costs.currency == "CAD" and costs.answered_within_seconds == 180
    assert costs.per_contact == DEFAULTS.per_contact
    assert costs.of(Channel.AGENT_CALL, 3) == Decimal("13.50")


def test_money_is_written_as_each_locale_writes_it():
    assert DEFAULTS.money(Decimal("1234.5"), "fr_CA") == "1\xa0234,50\xa0$"
    assert DEFAULTS.money(Decimal("1234.5"), "en_CA") == "$1,234.50"


def test_a_folder_without_the_file_uses_the_defaults(tmp_path):
    assert read_costs(tmp_path) is DEFAULTS


def test_a_negative_or_written_out_amount_is_not_money():
    found = only(GOOD.replace('ivr: "1.85"', 'ivr: "1,85 $"'))
    assert (found.code, found.line) == ("costs-amount", 4)
    assert "'1,85 $'" in found.message and "decimal point" in found.hint
    assert only(GOOD.replace('web: "0.65"', 'web: "-1"')).code == "costs-amount"


def test_a_channel_left_out_is_named_with_the_line_to_add():
    found = only(GOOD.replace('      email: "2.50"\n', ""))
    assert (found.code, found.line) == ("costs-channel-missing", 2)
    assert "email" in found.message and 'email: "0.00"' in found.hint


def test_a_misspelt_channel_gets_a_suggestion():
    costs, findings = read(GOOD.replace("agent_call:", "agent_cal:"))
    assert [f.code for f in findings] == ["unknown-key", "costs-channel-missing"]
    assert "agent_call" in findings[0].hint and findings[0].line == 6


def test_a_currency_babel_does_not_know_is_refused():
    found = only(GOOD.replace("currency: CAD", "currency: $"))
    assert (found.code, found.line) == ("costs-currency", 1)


@pytest.mark.parametrize("value", ["0", "2.5", "soon", "7200"])
def test_the_queue_target_is_whole_seconds_up_to_an_hour(value):
    found = only(GOOD.replace("answered_within_seconds: 180", f"answered_within_seconds: {value}"))
    assert (found.code, found.line) == ("costs-queue-target", 8)


def test_a_file_that_is_not_a_block_is_said_so():
    assert only("- web\n").code == "costs-invalid"


def test_ivr_lint_reports_the_file_with_its_line_and_fix(tmp_path, monkeypatch):
    project = Project(tmp_path)
    project.write("flows/costs.yaml", GOOD.replace('ivr: "1.85"', 'ivr: "free"'))
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("IVR_FLOWS_DIR", str(project.flows))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(project.prompts))
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 1
    assert "flows/costs.yaml:4:3: the cost of 'ivr' is 'free', not an amount of money" in result.output
    assert "[costs-amount]" in result.output
