"""Scenario tests content staff write in YAML (flows/tests/*.yaml), run through the real webhook."""

from __future__ import annotations

from ivr.scenarios.format import Move, Scenario, ScenarioFile, read_scenarios
from ivr.scenarios.run import Failure, Result, ScenarioRunner, Summary, run_paths

__all__ = ["Failure", "Move", "Result", "Scenario", "ScenarioFile", "ScenarioRunner", "Summary",
           "read_scenarios", "run_paths"]
