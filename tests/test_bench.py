"""The benchmark still runs end to end (a few tenths of a second per phase): figures are not judged here."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.config import ROOT
from ivr.engine.hours import Hours


def test_the_load_generator_plays_complete_calls_against_gunicorn_and_prints_every_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--database", "sqlite", "--duration", "0.5",
         "--rate", "40", "--events", "2000", "--calls", "40", "--workers", "2", "--threads", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split("|")[1].strip(): line.split("|")[2:] for line in result.stdout.splitlines()
             if line.startswith("| ") and not line.startswith("| run ")}
    assert set(lines) == {"baseline: fixed TwiML", "baseline: 1 read + 1 write", "IVR: full steps of complete calls",
                          "IVR: paced at 40 req/s"}
    for name, cells in lines.items():
        requests, errors = int(cells[5]), int(cells[4])
        assert requests > 0 and errors == 0, f"{name}: {requests} requests, {errors} errors"
    for figure in ("/ read+write baseline", "p99 / mean latency at 8 clients", "flow of 1 000 steps vs 10",
                   "2,000 journey events stored vs empty", "memory after"):
        assert figure in result.stdout, result.stdout


def test_the_benchmark_has_agents_in_at_night_on_weekends_and_holidays_so_its_figures_do_not_depend_on_the_clock(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import load
    finally:
        sys.path.remove(str(ROOT / "bench"))
    hours = Hours.from_file(load.always_open_hours(tmp_path)["IVR_HOURS_FILE"])
    sunday_3am = datetime(2026, 11, 29, 3, 0, tzinfo=ZoneInfo("America/Toronto"))
    friday_11pm = datetime(2026, 11, 27, 23, 0, tzinfo=ZoneInfo("America/Toronto"))
    christmas_10am = datetime(2026, 12, 25, 10, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert hours.is_open(sunday_3am) and hours.is_open(friday_11pm) and hours.is_open(christmas_10am)


def test_every_storage_trick_can_be_switched_off_for_the_benchmark_and_the_calls_still_play(tmp_path):
    """bench/tricks.py measures what each trick of ivr.store is worth (bench/RESULTS.md): each one
    switched off must leave the calls as they were, or its figure would compare different work."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "tricks.py"), "--database", "sqlite", "--calls", "1"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    for trick in ("prepared", "writer-lock", "synchronous-normal", "direct-begin"):
        assert f"without {trick}" in result.stdout, result.stdout


def test_the_reports_benchmark_times_the_command_the_endpoint_and_the_page_beside_its_baseline(tmp_path):
    """bench/reports.py (issue 16) writes calls straight into a database, then times `ivr report`,
    GET /agent/api/reports and the Reports page, each printed with its ratio to a COUNT(*) baseline
    measured in the same run."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "reports.py"), "--database", "sqlite", "--calls", "300",
                             "--folder", str(tmp_path / "bench")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split("|")[1].strip(): line.split("|")[2:4] for line in result.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| figure")}
    assert set(rows) == {"baseline: COUNT(*) of rows", "ivr report (whole command)",
                         "ivr report, a day no call", "GET /agent/api/reports", "Reports page, 90 days",
                         "Reports page, last 45 days"}
    for name, (seconds, ratio) in rows.items():
        assert float(seconds) >= 0 and float(ratio) > 0, f"{name}: {seconds} s, ratio {ratio}"
