"""flows/costs.yaml: what one contact costs on each channel, and the agents' queue target.

Content staff edit the file; `ivr lint` checks it (codes `costs-*`), and reports multiply contacts by
these amounts. Pure, like the engine: amounts are Decimal (never float), read from the text written,
and money is written with babel's `format_currency` in the caller's locale (CLDR rules: "1,85 $" in
fr_CA, "$1.85" in en_CA).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel.numbers import format_currency, list_currencies

from ivr.engine.findings import Finding, Severity, did_you_mean
from ivr.engine.texts import TextPath, as_path
from ivr.engine.yamlsource import YamlProblem, load_text

FILE_NAME = "costs.yaml"


class Channel(StrEnum):
    """Where a contact happened; the keys of `per_contact` in costs.yaml."""

    WEB = "web"
    IVR = "ivr"
    EMAIL = "email"
    AGENT_CALL = "agent_call"


TOP_KEYS = ("currency", "per_contact", "queue")
QUEUE_KEYS = ("answered_within_seconds",)


@dataclass(frozen=True)
class Costs:
    """Cost per contact by channel, in `currency` (an ISO 4217 code), and the queue's target in seconds."""

    currency: str
    per_contact: dict[Channel, Decimal]
    answered_within_seconds: int
    source: str = FILE_NAME

    def of(self, channel: Channel, contacts: int) -> Decimal:
        """`contacts` contacts on `channel`, in the currency's units (dollars for CAD)."""
        return self.per_contact[channel] * contacts

    def money(self, amount: Decimal, locale: str) -> str:
        """`amount` written as `locale` writes money (babel.numbers.format_currency)."""
        return format_currency(amount, self.currency, locale=locale)


DEFAULTS = Costs("CAD", {Channel.WEB: Decimal("0.65"), Channel.IVR: Decimal("1.85"), Channel.EMAIL: Decimal("2.50"),
                         Channel.AGENT_CALL: Decimal("4.50")}, 180, "defaults")
"""The research's figures (issue 16), used when flows/costs.yaml is absent."""


class CostsInvalid(Exception):
    """costs.yaml cannot be used; `findings` say where and how to fix it."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(str(item) for item in findings))
        self.findings = findings


def read_costs(flows_dir: Path | str | TextPath) -> Costs:
    """The costs of `flows_dir`/costs.yaml (a folder, or a stored version's texts), DEFAULTS without the
    file; raises CostsInvalid."""
    path = as_path(flows_dir) / FILE_NAME
    if not path.is_file():
        return DEFAULTS
    costs, findings = parse(path.read_text(encoding="utf-8"), str(path))
    if costs is None:
        raise CostsInvalid(findings)
    return costs


def check(flows_dir: Path | str | TextPath) -> list[Finding]:
    """The lint findings of `flows_dir`/costs.yaml (a folder, or a stored version's texts; none when the
    file is absent)."""
    path = as_path(flows_dir) / FILE_NAME
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [Finding("costs-invalid", f"{FILE_NAME} cannot be read ({type(error).__name__})", str(path), 1,
                        severity=Severity.ERROR, hint="save it as UTF-8 text")]
    return parse(text, str(path))[1]


def parse(text: str, path: str = FILE_NAME) -> tuple[Costs | None, list[Finding]]:
    """(the costs, None if any error) and every finding, each with its line."""
    try:
        data = load_text(text, path, as_text=True)
    except YamlProblem as problem:
        return None, [problem.finding()]
    findings: list[Finding] = []

    def problem(code: str, message: str, line: int, hint: str) -> None:
        findings.append(Finding(code, message, path, line or 1, severity=Severity.ERROR, hint=hint))

    if not isinstance(data, dict):
        problem("costs-invalid", f"{FILE_NAME} is not a block of settings", 1,
                "start from the shipped file: currency, per_contact and queue")
        return None, findings
    for key in data:
        if key not in TOP_KEYS:
            problem("unknown-key", f"unknown setting '{key}' in {FILE_NAME}", _line(data, key),
                    did_you_mean(str(key), TOP_KEYS) or "allowed: " + ", ".join(TOP_KEYS))
    currency = str(data.get("currency") or "")
    if currency not in list_currencies():
        problem("costs-currency", f"currency '{currency}' is not an ISO 4217 code babel knows",
                _line(data, "currency"), "write a code such as CAD, USD or EUR")
    per_contact = _amounts(data.get("per_contact"), _line(data, "per_contact"), problem)
    target = _target(data.get("queue"), _line(data, "queue"), problem)
    if findings:
        return None, findings
    return Costs(currency, per_contact, target, path), findings


def _amounts(block: Any, line: int, problem) -> dict[Channel, Decimal]:
    channels = [channel.value for channel in Channel]
    if not isinstance(block, dict):
        problem("costs-channel-missing", "per_contact must give a cost for each channel", line,
                "write per_contact: with " + ", ".join(channels))
        return {}
    amounts: dict[Channel, Decimal] = {}
    for key, value in block.items():
        if key not in channels:
            problem("unknown-key", f"unknown channel '{key}' in per_contact", _line(block, key),
                    did_you_mean(str(key), channels) or "allowed: " + ", ".join(channels))
            continue
        amount = _decimal(value)
        if amount is None or amount < 0:
            problem("costs-amount", f"the cost of '{key}' is '{value}', not an amount of money",
                    _line(block, key), 'write it with a decimal point and no currency sign, in quotes: "1.85"')
            continue
        amounts[Channel(key)] = amount
    missing = [channel for channel in channels if channel not in block]
    if missing:
        problem("costs-channel-missing", "per_contact gives no cost for " + ", ".join(missing), line,
                "add a line for each: " + ", ".join(f'{name}: "0.00"' for name in missing))
    return amounts


def _target(block: Any, line: int, problem) -> int:
    if block is None:
        return DEFAULTS.answered_within_seconds
    if not isinstance(block, dict):
        problem("costs-queue-target", "queue must be a block with answered_within_seconds", line,
                "write queue: {answered_within_seconds: 180}")
        return 0
    for key in block:
        if key not in QUEUE_KEYS:
            problem("unknown-key", f"unknown setting '{key}' in queue", _line(block, key),
                    did_you_mean(str(key), QUEUE_KEYS) or "allowed: " + ", ".join(QUEUE_KEYS))
    value = block.get("answered_within_seconds", DEFAULTS.answered_within_seconds)
    seconds = _decimal(value)
    if seconds is None or seconds != seconds.to_integral_value() or not 1 <= seconds <= 3600:
        problem("costs-queue-target", f"answered_within_seconds is '{value}', not 1 to 3600 whole seconds",
                _line(block, "answered_within_seconds"), "write a number of seconds, e.g. 180 for 3 minutes")
        return 0
    return int(seconds)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _line(data: Any, key: str) -> int:
    where = getattr(data, "where", None)
    return where(key)[0] if where is not None else 1
