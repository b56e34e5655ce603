"""How long the reports take over many calls: `ivr report`, GET /agent/api/reports and the Reports page.

Calls are written straight into the database (not through the webhook, which would take hours for
a million): a realistic mix of languages, services, outcomes, hours and repeat callers, with the
journey rows, contacts and callbacks the report counts (docs/reports.md), and each call's facts as its
status callback folds them when it ends (call_facts). Each timing is printed
beside a baseline measured in the same run on the same rows (a plain COUNT(*) of the period's calls
and of their journey rows), as a ratio, so a busy machine moves both alike.

    .venv/bin/python bench/reports.py --database sqlite --calls 100000
    .ci/with-postgres .venv/bin/python bench/reports.py --database postgres --calls 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text

from ivr.services.reports import note_call_facts
from ivr.store import schema
from ivr.store.models.calls import Call, Client, Contact, JourneyEvent
from ivr.store.models.desktop import Callback

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("America/Toronto")
LAST_DAY = date(2026, 11, 30)
DAYS = 90
BATCH = 20_000
REASONS = ("asked_for_agent", "not_understood", "no_input", "verification_suspended", "fault", "status:failed")


def _local_moment(rng: random.Random) -> datetime:
    """A moment of the 90 days, mostly in office hours, in UTC without a zone (as the store keeps it)."""
    day = LAST_DAY - timedelta(days=rng.randrange(DAYS))
    hour = min(23, max(0, int(rng.gauss(12.5, 3.5))))
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _one_call(n: int, started: datetime, rng: random.Random, clients: int) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """A call begun at `started`, its journey rows, its contacts and its callback (if any), drawn from a
    realistic mix. Its CallSid is random, as Twilio's are (not in the order calls begin)."""
    sid = f"CA{rng.getrandbits(128):032x}"
    language = rng.choices(("fr", "en", None), (70, 27, 3))[0]
    client = rng.randrange(1, clients + 1) if rng.random() < 0.8 else None  # a small pool: repeat callers
    journey: list[dict] = []
    contacts: list[dict] = []
    callbacks: list[dict] = []
    at = started

    def row(position: str, kind: str, event: str, **detail: object) -> None:
        nonlocal at
        at += timedelta(seconds=rng.randrange(3, 25))
        journey.append({"call_sid": sid, "seq": len(journey) + 1, "at": at, "position": position, "kind": kind,
                        "event": event, "detail": detail})

    row("main/greeting", "say", "played")
    row("main/language", "menu", "chose")
    status, reason, subject = "completed", None, None
    service = rng.choices(("status", "address", "agent", "hang_up"), (55, 20, 15, 10))[0]
    completed = False
    if service in ("status", "address"):
        row(f"{service}/start", "menu", "chose")
        verified = client is not None and rng.random() < 0.85
        row(f"{service}/identify", "use", "returned", outcome="verified" if verified else "failed")
        if verified and service == "address":
            verified = rng.random() < 0.8
            row("address/step_up", "use", "returned", outcome="verified" if verified else "failed")
        if verified:
            action = "status.lookup" if service == "status" else rng.choice(("address.submit", "phone.update"))
            outcome = "error" if rng.random() < 0.02 else "ok"
            row(f"{service}/do", "action", "outcome", action=action, outcome=outcome)
            completed = outcome != "error"
            subject = service
        elif rng.random() < 0.5:
            reason = "verification_suspended"
    if service == "agent" or reason or (completed and rng.random() < 0.1) or (not completed and rng.random() < 0.3):
        reason = reason or rng.choice(REASONS)
        if rng.random() < 0.03:
            row("main/closed", "closed", "played")
            status = "after_hours"
        else:
            row(f"{service if service != 'hang_up' else 'main'}/agent", "transfer", "queued")
            result = rng.choices(("bridged", "hangup", "leave"), (80, 15, 5))[0]
            row("queue", "queue", result, seconds=int(rng.expovariate(1 / 90)))
            status = {"bridged": "completed", "hangup": "abandoned_in_queue", "leave": "callback"}[result]
            if result == "leave":
                done = rng.random() < 0.7
                callbacks.append({"call_sid": sid, "client_id": client, "number": f"+1555{n:07d}",
                                  "language": language or "", "reason": "on_hold", "requested_at": at,
                                  "due": at.date(), "status": "done" if done else "open",
                                  "done_at": at + timedelta(hours=rng.randrange(1, 30)) if done else None})
    elif not completed:
        status = "abandoned"
    if client is not None and (completed or reason):
        contacts.append({"client_id": client, "at": at + timedelta(seconds=5), "channel": "ivr",
                         "subject": subject or rng.choice(("status", "address")), "outcome": "done", "call_sid": sid})
        if reason and status == "completed":
            contacts.append({"client_id": client, "at": at + timedelta(minutes=4), "channel": "agent",
                             "subject": subject or "status", "outcome": "answered", "call_sid": sid})
    call = {"call_sid": sid, "caller": None, "called": None, "state": {}, "flow_version": rng.choice(("v1", "v2")),
            "status": status, "language": language, "client_id": client, "transfer_reason": reason,
            "started_at": started, "updated_at": at, "ended_at": at + timedelta(seconds=10), "last_seq": len(journey)}
    return call, journey, contacts, callbacks


def generate(url: str, calls: int, seed: int = 16) -> None:
    """Write `calls` calls (and a client pool of a third as many) into the database at `url`."""
    engine = create_engine(url)
    schema.upgrade(engine)
    rng = random.Random(seed)
    clients = max(1, calls // 3)
    # Calls are written in the order they began, as a contact centre writes them: rows of the same
    # hours sit together in the tables, which the report's index scans on moments rely on.
    moments = sorted(_local_moment(rng) for _ in range(calls))
    with engine.begin() as connection:
        for start in range(0, clients, BATCH):
            connection.execute(insert(Client.__table__), [
                {"id": i, "client_number": f"{i:09d}", "birth_date": date(1970, 1, 1), "name": "•", "language": "fr",
                 "civic_number": "1", "street": "•", "city": "•", "province": "QC", "postal_code": "•"}
                for i in range(start + 1, min(clients, start + BATCH) + 1)])
    for start in range(0, calls, BATCH):
        rows: tuple[list, list, list, list] = ([], [], [], [])
        for n in range(start, min(calls, start + BATCH)):
            call, journey, contacts, callbacks = _one_call(n, moments[n], rng, clients)
            rows[0].append(call)
            rows[1].extend(journey)
            rows[2].extend(contacts)
            rows[3].extend(callbacks)
        with engine.begin() as connection:
            for table, batch in zip((Call, JourneyEvent, Contact, Callback), rows):
                if batch:
                    connection.execute(insert(table.__table__), batch)
        print(f"  {min(calls, start + BATCH):,} calls written", file=sys.stderr, flush=True)
    with engine.begin() as connection:  # what each call's status callback does when it ends, all at once
        note_call_facts(connection)
    if engine.dialect.name == "postgresql":  # what autovacuum does after such a load, done now, not mid-run
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _baseline(url: str) -> float:
    """The same period's calls and their journey rows, counted plainly."""
    first, last = LAST_DAY - timedelta(days=DAYS - 1), LAST_DAY + timedelta(days=1)
    engine = create_engine(url)
    with engine.connect() as connection:
        def count() -> None:
            connection.execute(text("SELECT COUNT(*) FROM calls WHERE started_at >= :a AND started_at < :b"),
                               {"a": datetime(first.year, first.month, first.day), "b": datetime(last.year, last.month, last.day)})
            connection.execute(text("SELECT COUNT(*) FROM journey_events"))
        count()  # warm the cache, as the report's own runs are warm
        seconds = min(_timed(count) for _ in range(3))
    engine.dispose()
    return seconds


def _report_command(url: str, env: dict[str, str], days: int = DAYS) -> float:
    """`ivr report` by day over the last `days` days (a day after the last: the command's start-up alone)."""
    first = (LAST_DAY - timedelta(days=days - 1)).isoformat() if days else (LAST_DAY + timedelta(days=1)).isoformat()
    last = LAST_DAY.isoformat() if days else first
    command = [str(Path(sys.executable).with_name("ivr")), "report", "--from", first, "--to", last,
               "--by", "day", "--format", "json"]

    def run() -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"ivr report failed: {done.stderr[-2000:]}")
        json.loads(done.stdout)
    return min(_timed(run) for _ in range(2))


def _endpoint(url: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds (best of 2, in process) of GET /agent/api/reports by day over the 90 days, and of the
    supervisor's Reports page (GET /agent/reports, signed in) over the 90 days (the period before them,
    which the page compares with, holds no call) and over the last 45 days (the 45 before them hold
    calls too: the page reads all of them, half for its comparison)."""
    os.environ.update(env)
    import html
    import re

    from ivr.app import create_app
    from ivr.desktop.accounts import add_agent, issue_token
    from ivr.store import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": "bench"})
    name, password = f"bench-{os.getpid()}", "password-123"
    with db.session_for(app) as session:
        token = issue_token(session, add_agent(session, name, password, role="supervisor"))
    client = app.test_client()
    first = (LAST_DAY - timedelta(days=DAYS - 1)).isoformat()
    asked = f"/agent/api/reports?from={first}&to={LAST_DAY.isoformat()}&by=day"

    def get(path: str, **headers: str) -> None:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}")

    api = min(_timed(lambda: get(asked, Authorization=f"Bearer {token}")) for _ in range(2))
    form = client.get("/agent/login").get_data(as_text=True)
    csrf = html.unescape(re.search(r'name="csrf" value="([^"]+)"', form).group(1))
    signed = client.post("/agent/login", data={"csrf": csrf, "username": name, "password": password})
    if signed.status_code != 302:
        raise SystemExit(f"signing in for the Reports page: {signed.status_code}")
    page_90 = f"/agent/reports?from={first}&to={LAST_DAY.isoformat()}&by=day"
    half = (LAST_DAY - timedelta(days=DAYS // 2 - 1)).isoformat()
    page_45 = f"/agent/reports?from={half}&to={LAST_DAY.isoformat()}&by=day"
    return (api, min(_timed(lambda: get(page_90)) for _ in range(2)),
            min(_timed(lambda: get(page_45)) for _ in range(2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--calls", type=int, default=100_000, help="Calls to generate.")
    parser.add_argument("--folder", type=Path, help="Keep the SQLite database here; reuse it if it has the calls.")
    arguments = parser.parse_args()
    folder = arguments.folder or Path(tempfile.mkdtemp(prefix="ivr-bench-reports-"))
    folder.mkdir(parents=True, exist_ok=True)
    reuse = arguments.folder is not None and (folder / "ivr.db").exists()
    if arguments.database == "sqlite":
        url = f"sqlite:///{folder / 'ivr.db'}"
    else:
        url = os.environ.get("IVR_TEST_DATABASE_URL") or sys.exit("run under .ci/with-postgres")
    load = os.getloadavg()
    print(f"generating {arguments.calls:,} calls into {arguments.database} ...", file=sys.stderr, flush=True)
    generate_seconds = 0.0 if reuse else _timed(lambda: generate(url, arguments.calls))
    env = {**os.environ, "IVR_DATABASE_URL": url, "IVR_INSTANCE_PATH": str(folder)}
    baseline = _baseline(url)
    command = _report_command(url, env)
    start_up = _report_command(url, env, days=0)
    endpoint, page, page_half = _endpoint(url, env)
    print(f"{arguments.database}: {arguments.calls:,} calls over {DAYS} days, by day "
          f"(generated in {generate_seconds:.0f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(f"| figure                     | seconds | / baseline |")
    print(f"|----------------------------|--------:|-----------:|")
    print(f"| baseline: COUNT(*) of rows | {baseline:7.3f} |       1.0 |")
    print(f"| ivr report (whole command) | {command:7.3f} | {command / baseline:9.1f} |")
    print(f"| ivr report, a day no call  | {start_up:7.3f} | {start_up / baseline:9.1f} |")
    print(f"| GET /agent/api/reports     | {endpoint:7.3f} | {endpoint / baseline:9.1f} |")
    print(f"| Reports page, 90 days      | {page:7.3f} | {page / baseline:9.1f} |")
    print(f"| Reports page, last 45 days | {page_half:7.3f} | {page_half / baseline:9.1f} |")


if __name__ == "__main__":
    main()
