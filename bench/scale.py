"""Cost must not grow with size: the same step with a huge flow, with a big history, after many calls.

Measured in this process through the Flask test client (no HTTP), so the figures are the app's own
work; each comparison is made in the same run, on the same machine, a moment apart.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from twilio.request_validator import RequestValidator

from ivr.app import create_app
from ivr.store import db
from ivr.config import ROOT
from ivr.telephony.phone import Screen
from ivr.services.demo import seed_demo

TOKEN = "bench-token"


def _app(url: str, flows: Path | None = None):
    config = {"TESTING": True, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN}
    if flows is not None:
        config["FLOWS_DIR"] = flows
    app = create_app(config)
    with db.session_for(app) as session:
        seed_demo(session)
    return app


class _Caller:
    def __init__(self, app):
        self.client = app.test_client()
        self.validator = RequestValidator(TOKEN)

    def post(self, path: str, form: dict[str, str]) -> tuple[float, Screen]:
        url = "http://localhost" + path
        signature = self.validator.compute_signature(url, form)
        started = time.perf_counter()
        response = self.client.post(url, data=form, headers={"X-Twilio-Signature": signature})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed, Screen.parse(response.get_data(as_text=True))

    def call(self, answers: list[str]) -> list[float]:
        """Times of each answered step (the greeting is not counted)."""
        base = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+15145550142", "To": "+18005550100"}
        _, screen = self.post("/voice/incoming", base)
        times = []
        for answer in answers:
            if screen.gather is None:
                raise AssertionError(f"the call ended early: {screen.text}")
            elapsed, screen = self.post(screen.gather["action"], {**base, "Digits": answer})
            times.append(elapsed)
        return times


# -- flow size -------------------------------------------------------------------------------------

def _flows_with_extra(folder: Path, steps: int) -> Path:
    flows = folder / f"flows-{steps}"
    shutil.copytree(ROOT / "flows", flows)
    main = (flows / "main.yaml").read_text()
    main = main.replace("      2: {words: main.address_words, next: address}\n",
                        "      2: {words: main.address_words, next: address}\n      3: {next: extra}\n")
    (flows / "main.yaml").write_text(main)
    lines = ["flow: extra", f"description: {steps} menus in a row, for the benchmark.", "start: s1", "steps:"]
    for i in range(1, steps):
        lines += [f"  s{i}:", "    menu: common.anything_else", "    options:", f"      1: {{next: s{i + 1}}}"]
    lines += [f"  s{steps}:", "    hangup: common.goodbye"]
    (flows / "extra.yaml").write_text("\n".join(lines) + "\n")
    return flows


def flow_size(folder: Path, budget: float) -> float:
    """Median step time with a 1 000-step flow loaded, over the same with a 10-step one."""
    # A thousand menus in a row is deliberately bad content: the loader's warning for each
    # ("980 menus deep") would bury the figures.
    logging.getLogger("ivr.content.flowstore").setLevel(logging.ERROR)
    small = _Caller(_app(f"sqlite:///{folder / 'flows10.db'}", _flows_with_extra(folder, 10)))
    large = _Caller(_app(f"sqlite:///{folder / 'flows1000.db'}", _flows_with_extra(folder, 1000)))
    logging.getLogger("ivr.content.flowstore").setLevel(logging.NOTSET)
    walk = ["1", "3"] + ["1"] * 8
    times: dict[str, list[float]] = {"10": [], "1000": []}
    stop = time.monotonic() + budget
    while time.monotonic() < stop or len(times["10"]) < 200:
        times["10"] += small.call(walk)[2:]
        times["1000"] += large.call(walk)[2:]
    a, b = statistics.median(times["10"]), statistics.median(times["1000"])
    print(f"step time, flow of 1 000 steps vs 10: {b * 1000:.2f} ms vs {a * 1000:.2f} ms = {b / a:.0%} "
          f"(target <= 110%; {len(times['10'])} steps each)", flush=True)
    return b / a


# -- stored history --------------------------------------------------------------------------------

STATUS_CALL = ["1", "1", "100200300", "19480517", "2", "0"]


def _step_times(caller: _Caller, budget: float) -> list[float]:
    times: list[float] = []
    stop = time.monotonic() + budget
    while time.monotonic() < stop or len(times) < 300:
        times += caller.call(STATUS_CALL)
    return times


def _fill_history(app, events: int) -> None:
    engine = app.extensions["ivr.db.engine"]
    calls = max(1, events // 10)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(
                "INSERT INTO calls (call_sid, state, flow_version, status, verified, started_at, updated_at, last_seq)"
                " SELECT 'CAold' || i, '{}', '', 'completed', false, now(), now(), 10"
                " FROM generate_series(1, :n) AS i"), {"n": calls})
            connection.execute(text(
                "INSERT INTO journey_events (call_sid, seq, at, position, kind, event, detail)"
                " SELECT 'CAold' || (i / 10), i % 10, now(), 'main/menu', 'menu', 'chose', '{}'"
                " FROM generate_series(1, :n) AS i"), {"n": events})
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"
                " INSERT INTO calls (call_sid, state, flow_version, status, verified, started_at, updated_at, last_seq)"
                " SELECT 'CAold' || i, '{}', '', 'completed', 0, datetime('now'), datetime('now'), 10 FROM n"),
                {"n": calls})
            connection.execute(text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"
                " INSERT INTO journey_events (call_sid, seq, at, position, kind, event, detail)"
                " SELECT 'CAold' || (i / 10), i % 10, datetime('now'), 'main/menu', 'menu', 'chose', '{}' FROM n"),
                {"n": events})
            connection.execute(text("ANALYZE"))


def history_size(url: str, events: int, budget: float) -> float:
    """Median step time with `events` journey events stored, over the same on an empty database."""
    app = _app(url)
    caller = _Caller(app)
    _step_times(caller, 1.0)  # warm-up
    empty = statistics.median(_step_times(caller, budget))
    started = time.monotonic()
    _fill_history(app, events)
    filled_in = time.monotonic() - started
    full = statistics.median(_step_times(caller, budget))
    print(f"step time with {events:,} journey events stored vs empty: {full * 1000:.2f} ms vs {empty * 1000:.2f} ms"
          f" = {full / empty:.0%} (target <= 120%; history written in {filled_in:.0f} s)", flush=True)
    app.extensions["ivr.db.engine"].dispose()
    return full / empty


# -- memory ----------------------------------------------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def memory(folder: Path, calls: int, budget: float) -> float:
    """Resident memory at the end, over the same after the first tenth of the run (the warm-up)."""
    caller = _Caller(_app(f"sqlite:///{folder / 'memory.db'}"))
    started = time.monotonic()
    done, warm, after_warm = 0, 0, 0.0
    while done < calls and time.monotonic() - started < budget:
        caller.call(["1", "0"])
        done += 1
        if not warm and (done >= calls // 10 or time.monotonic() - started > budget / 10):
            warm, after_warm = done, _rss_mb()
    end = _rss_mb()
    cut = "" if done == calls else f"; the {budget:.0f} s budget stopped it before {calls:,}"
    print(f"memory after {done:,} calls vs after {warm:,}: {end:.1f} MB vs {after_warm:.1f} MB = "
          f"{end / after_warm:.0%} (target: flat){cut}", flush=True)
    return end / after_warm


def run_all(url: str, folder: Path, events: int, calls: int, budget: float) -> None:
    print("\ncost versus size (in-process, Flask test client):")
    flow_size(folder, budget / 4)
    history_size(url, events, budget / 4)
    memory(folder, calls, budget)


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Run one cost-versus-size check on SQLite, alone.")
    parser.add_argument("--check", choices=["flows", "history", "memory"], required=True)
    parser.add_argument("--events", type=int, default=1_000_000, help="journey events for --check history")
    parser.add_argument("--calls", type=int, default=100_000, help="calls for --check memory")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds the check may take at most")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-scale-") as tmp:
        if args.check == "flows":
            flow_size(Path(tmp), args.budget)
        elif args.check == "history":
            history_size(f"sqlite:///{Path(tmp) / 'history.db'}", args.events, args.budget / 2)
        else:
            memory(Path(tmp), args.calls, args.budget)
