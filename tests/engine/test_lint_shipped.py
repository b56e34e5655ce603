"""The flows and prompts we ship lint clean, their schema is current, and every code is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from ivr.lint_context import SAID_BY_CODE, loader_options
from ivr.engine.flows import FLOW_KEYS, GLOBAL_KEYS
from ivr.engine.lint import CODES, lint
from ivr.engine.schema import SCHEMA_FILES, flow_schema, global_schema, languages_schema, schema_text
from ivr.engine.steps import OPTION_KEYS, RETRIES_KEYS, STEP_KINDS, allowed_keys
from tests.support.lint_project import FLOWS, PROMPTS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FLOWS = sorted(p for p in FLOWS.glob("*.yaml")
                       if p.name not in ("costs.yaml", "global.yaml", "hours.yaml", "languages.yaml", "verification.yaml"))


def test_the_shipped_flows_and_prompts_have_no_errors_and_no_warnings():
    findings = lint(FLOWS, PROMPTS, **loader_options())
    assert findings == [], "\n".join(str(f) for f in findings)


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_the_shipped_schema_is_the_one_the_model_generates(name):
    shipped = (FLOWS / name).read_text(encoding="utf-8")
    assert shipped == schema_text(SCHEMA_FILES[name]()), "run `ivr schema` to regenerate it"


@pytest.mark.parametrize("path", SHIPPED_FLOWS, ids=lambda p: p.name)
def test_every_shipped_flow_names_the_schema_and_passes_it(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schema.json\n")
    jsonschema.validate(_plain(yaml.safe_load(text)), flow_schema())


def test_global_settings_name_their_own_schema_and_pass_it():
    text = (FLOWS / "global.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=global.schema.json\n")
    jsonschema.validate(_plain(yaml.safe_load(text)), global_schema())


def test_the_languages_name_their_own_schema_and_pass_it():
    text = (FLOWS / "languages.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=languages.schema.json\n")
    jsonschema.validate(_plain(yaml.safe_load(text)), languages_schema())


def test_the_schema_underlines_a_misspelt_key_like_the_linter_does():
    broken = {"flow": "main", "steps": {"bye": {"hangup": "common.goodbye", "nxt": "menu"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, flow_schema())
    fine = {"flow": "main", "steps": {"bye": {"hangup": "common.goodbye", "note": "the end"}}}
    jsonschema.validate(fine, flow_schema())


def test_the_schema_knows_every_key_the_loader_accepts():
    schema = flow_schema()
    assert set(schema["properties"]) == set(FLOW_KEYS)
    for kind in STEP_KINDS:
        assert set(schema["definitions"][kind]["properties"]) == allowed_keys(kind)
    menu = schema["definitions"]["menu"]["properties"]
    assert set(menu["options"]["additionalProperties"]["anyOf"][1]["properties"]) == set(OPTION_KEYS)
    assert set(menu["retries"]["properties"]) == set(RETRIES_KEYS)
    assert set(global_schema()["properties"]) == set(GLOBAL_KEYS)


def test_every_prompt_key_the_code_says_is_declared_for_the_linter():
    """voice.py says the hold prompts itself; the linter must count them as used and check they exist."""
    quoted = set()
    for path in (ROOT / "ivr").rglob("*.py"):
        if "engine" in path.parts:
            continue
        quoted |= set(re.findall(r"[\"']((?:hold|common|main)\.[a-z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert quoted, "the code says no prompt by key any more; update this test"
    assert quoted <= set(SAID_BY_CODE)


def test_every_code_the_engine_can_report_is_in_the_catalogue():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "ivr" / "engine").rglob("*.py"))
    written = set(re.findall(r"(?:Finding|finding|problem)\(\s*\"([a-z]+(?:-[a-z]+)+)\"", source))
    written |= {"bad-input", "bad-expect"}  # built as f"bad-{name}"
    written |= set(re.findall(r"\(\w+, \"(prompt-not-[a-z]+)\"", source))  # a table of two rules
    written |= set(re.findall(r"UNREADABLE = \"([a-z]+(?:-[a-z]+)+)\"", source))  # YamlProblem.finding()
    assert written <= set(CODES)
    unused = set(CODES) - written
    assert not unused, f"catalogued but never reported: {unused}"


@pytest.mark.parametrize("doc", ["docs/authoring.md", "docs/authoring.fr.md"])
def test_the_authoring_guide_explains_every_code(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in text]
    assert not missing, f"{doc} does not explain: {missing}"


def _plain(data):
    """YAML as JSON sees it: keys are text (option 1 is the string '1')."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def test_schema_text_is_stable_json():
    assert json.loads(schema_text(flow_schema())) == flow_schema()
