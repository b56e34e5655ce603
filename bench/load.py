"""Load generator: complete calls against the IVR under gunicorn, beside two baselines in the same run.

    .venv/bin/python bench/load.py --database sqlite
    .ci/with-postgres .venv/bin/python bench/load.py --database postgres

It starts two gunicorn servers on loopback with the settings the IVR is deployed with
(gunicorn.conf.py: `ivr.cli.serving`, unless --workers/--threads say otherwise): the IVR, and
bench/baseline_app.py for the fixed-TwiML and one-read-one-write routes. It plays signed calls
(greeting, language, status with verification, address change, transfer), and prints
requests/s, p50/p95/p99 latency, errors and the IVR's ratios to both baselines; then a paced
run at --rate requests/s, and the checks that cost does not grow with size (bench/scale.py).
Every phase is bounded by --duration; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import create_engine, make_url, text
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.telephony.phone import Screen  # noqa: E402
from ivr.cli.serving import workers_and_threads  # noqa: E402

TOKEN = "bench-token"
FAULT_WORDS = [yaml.safe_load((ROOT / "prompts" / lang / "common.yaml").read_text())["fault"] for lang in ("fr", "en")]

# Complete calls, as a caller would make them; "say:" is speech.
CALLS = [
    ["1", "1", "100200300", "19480517", "0"],                                   # status, then an agent
    ["2", "1", "200300400", "19620930", "2", "0"],                              # English status, menu, agent
    ["1", "2", "100200300", "19480517", "say:H2X 3K8", "say:H3B 2Y5", "500", "say:rue Sherbrooke Ouest", "say:Montréal",
     "#", "1", "2", "2"],                                                        # address change, goodbye
]


# -- servers ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)


def start_server(name: str, app_spec: str, database_url: str, folder: Path, workers: int, threads: int,
                 chdir: Path = ROOT, extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    env = {**os.environ, "IVR_DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN, "IVR_SECRET_KEY": "bench",
           "IVR_INSTANCE_PATH": str(folder / name), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (folder / f"{name}.log").open("w")
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread", "--log-level", "warning", "--chdir", str(chdir), app_spec],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    while time.monotonic() - started < 30:
        if process.poll() is not None:
            raise SystemExit(f"{name} did not start: see {folder / (name + '.log')}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return Server(name, process, port)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not answer in 30 s")


# -- the wire --------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection, as one of Twilio's would be."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, path: str, form: dict[str, str], sign: bool = True) -> tuple[int, str]:
        body = urllib.parse.urlencode(form)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if sign:
            url = f"http://127.0.0.1:{self.port}{path}"
            headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(url, form)
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read().decode()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if attempt == 2:
                    return 599, ""
        return 599, ""


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors += 1


def _ok(status: int, body: str) -> bool:
    return status == 200 and not any(words in body for words in FAULT_WORDS)


def baseline_request(path: str):
    def one(client: Client, sample: Sample, pace) -> None:
        scheduled = pace()
        status, body = client.post(path, {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "1"}, sign=False)
        sample.add(time.perf_counter() - scheduled, status == 200)
    return one


def ivr_call():
    """Play one complete call; every step is one sample. The calls take turns through CALLS."""
    turns = itertools.count()

    def one(client: Client, sample: Sample, pace) -> None:
        script = CALLS[next(turns) % len(CALLS)]
        base = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+15145550142", "To": "+18005550100",
                "AccountSid": "AC" + "0" * 32, "CallStatus": "in-progress"}
        scheduled = pace()
        status, body = client.post("/voice/incoming", base)
        sample.add(time.perf_counter() - scheduled, _ok(status, body))
        for answer in script:
            if status != 200:
                return
            screen = Screen.parse(body)
            if screen.gather is None:
                return
            form = dict(base)
            if answer.startswith("say:"):
                form.update(SpeechResult=answer[4:], Confidence="0.9")
            else:
                form["Digits"] = answer
            scheduled = pace()
            status, body = client.post(screen.gather["action"], form)
            sample.add(time.perf_counter() - scheduled, _ok(status, body))
    return one


# -- runs ------------------------------------------------------------------------------------------

def closed_loop(port: int, work, concurrency: int, duration: float) -> tuple[Sample, float]:
    """`concurrency` clients, each sending its next request as soon as the last is answered."""
    sample = Sample()
    stop = time.monotonic() + duration

    def client_loop() -> None:
        client = Client(port)
        while time.monotonic() < stop:
            work(client, sample, time.perf_counter)

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sample, time.perf_counter() - started


def paced(port: int, work, rate: float, duration: float, callers: int = 48) -> tuple[Sample, float]:
    """Requests sent on a fixed schedule of `rate` per second; latency counts from the scheduled time,
    so a server that falls behind is seen falling behind (no coordinated omission)."""
    sample = Sample()
    lock = threading.Lock()
    start = time.perf_counter() + 0.05
    slot = [0]
    total = int(rate * duration)

    def pace() -> float:
        with lock:
            n = slot[0]
            slot[0] += 1
        if n >= total:
            raise StopIteration
        at = start + n / rate
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return at

    def caller() -> None:
        client = Client(port)
        try:
            while True:
                work(client, sample, pace)
        except StopIteration:
            return

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sample, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def row(name: str, sample: Sample, elapsed: float) -> dict[str, float]:
    figures = {"rps": len(sample.latencies) / elapsed,
               "mean": sum(sample.latencies) / len(sample.latencies) * 1000 if sample.latencies else float("nan"),
               "p50": percentile(sample.latencies, 50) * 1000,
               "p95": percentile(sample.latencies, 95) * 1000, "p99": percentile(sample.latencies, 99) * 1000,
               "errors": sample.errors, "requests": len(sample.latencies)}
    print(f"| {name:<34} | {figures['rps']:8.0f} | {figures['p50']:6.1f} | {figures['p95']:6.1f} | "
          f"{figures['p99']:6.1f} | {figures['errors']:6d} | {figures['requests']:8d} |", flush=True)
    return figures


# -- databases -------------------------------------------------------------------------------------

ALWAYS_OPEN = """\
timezone: America/Toronto
open: {monday: "00:00-24:00", tuesday: "00:00-24:00", wednesday: "00:00-24:00", thursday: "00:00-24:00",
       friday: "00:00-24:00", saturday: "00:00-24:00", sunday: "00:00-24:00"}
holidays: none
"""


def always_open_hours(folder: Path) -> dict[str, str]:
    """Agents in at any hour, statutory holidays included, so the figures (and the tests that start
    real servers) do not depend on when they run: transfers always take the queue, never the
    after-hours path."""
    path = folder / "hours.yaml"
    path.write_text(ALWAYS_OPEN)
    return {"IVR_HOURS_FILE": str(path)}


def databases(kind: str, folder: Path) -> dict[str, str]:
    names = ("ivr", "baseline", "scale")
    if kind == "sqlite":
        return {name: f"sqlite:///{folder / (name + '.db')}" for name in names}
    admin_url = os.environ.get("IVR_PG_ADMIN_URL")
    if not admin_url:
        raise SystemExit("--database postgres needs IVR_PG_ADMIN_URL: run under .ci/with-postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f"DROP DATABASE IF EXISTS bench_{name}"))
            connection.execute(text(f"CREATE DATABASE bench_{name}"))
            urls[name] = make_url(admin_url).set(database=f"bench_{name}").render_as_string(hide_password=False)
    admin.dispose()
    return urls


def seed(url: str) -> None:
    from ivr.app import create_app
    from ivr.store import db
    from ivr.services.demo import seed_demo

    app = create_app({"TESTING": True, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN})
    with db.session_for(app) as session:
        seed_demo(session)
    app.extensions["ivr.db.engine"].dispose()


# -- what each storage trick is worth (bench/tricks.py) ----------------------------------------------

def compare(shipped: Server, without: list[Server], args) -> None:
    """Closed-loop runs of the IVR as shipped and without each trick, in alternate rounds, so that
    what else the machine does weighs on both alike; then each trick's worth in throughput and p99."""
    print()
    print("| run                                |    req/s | p50 ms | p95 ms | p99 ms | errors | requests |")
    print("|------------------------------------|---------:|-------:|-------:|-------:|-------:|---------:|")
    for server in without:
        closed_loop(server.port, ivr_call(), args.concurrency, 1.0)  # warm-up
    results: dict[str, list[dict[str, float]]] = {}
    for n in range(1, args.rounds + 1):
        for server in [shipped, *without][::1 if n % 2 else -1]:  # each order in turn: neither side always goes first
            name = "shipped" if server is shipped else server.name.removeprefix("ivr-without-")
            label = f"IVR {'as shipped' if server is shipped else 'without ' + name} ({n})"
            results.setdefault(name, []).append(
                row(label, *closed_loop(server.port, ivr_call(), args.concurrency, args.duration)))
    print()

    def mean(name: str, key: str) -> float:
        return sum(r[key] for r in results[name]) / len(results[name])

    for name in results:
        if name != "shipped":
            print(f"without {name}: {mean(name, 'rps'):.0f} vs {mean('shipped', 'rps'):.0f} req/s "
                  f"({mean(name, 'rps') / mean('shipped', 'rps') - 1:+.1%}), p99 {mean(name, 'p99'):.1f} vs "
                  f"{mean('shipped', 'p99'):.1f} ms, errors {sum(r['errors'] for r in results[name]):.0f}")


# -- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in the closed-loop runs")
    parser.add_argument("--rate", type=float, default=250.0, help="requests/s of the paced run")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes per server "
                        "(default: what gunicorn.conf.py would start for this database on this machine)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: as gunicorn.conf.py)")
    parser.add_argument("--scale", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the cost-versus-size checks (bench/scale.py)")
    parser.add_argument("--events", type=int, default=1_000_000, help="journey events stored for the size check")
    parser.add_argument("--calls", type=int, default=100_000, help="calls played for the memory check")
    parser.add_argument("--without", action="append", default=[], metavar="TRICK",
                        help="also serve the IVR with this storage trick switched off (bench/tricks.py; repeat "
                             "for several) and play it in alternate rounds with the IVR as shipped")
    parser.add_argument("--rounds", type=int, default=2, help="alternate rounds of --without comparisons")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        folder = Path(tmp)
        urls = databases(args.database, folder)
        workers, threads = workers_and_threads(urls["ivr"])  # the settings the IVR is deployed with
        workers, threads = args.workers or workers, args.threads or threads
        seed(urls["ivr"])
        sys.path.insert(0, str(ROOT / "bench"))
        from baseline_app import prepare

        prepare(urls["baseline"])
        servers = [
            start_server("ivr", "app:app", urls["ivr"], folder, workers, threads,
                         extra_env=always_open_hours(folder)),
            start_server("baseline", "baseline_app:create_app()", urls["baseline"], folder, workers, threads,
                         chdir=ROOT / "bench"),
        ]
        ivr, baseline = servers
        for trick in args.without:
            servers.append(start_server(f"ivr-without-{trick}", f"bench.tricks:app_without({trick!r})", urls["ivr"],
                                        folder, workers, threads, extra_env=always_open_hours(folder)))
        try:
            print(f"\n{args.database}: gunicorn gthread, {workers} workers x {threads} threads per server, "
                  f"{args.concurrency} clients, {args.duration:.0f} s per run, loopback\n")
            print("| run                                |    req/s | p50 ms | p95 ms | p99 ms | errors | requests |")
            print("|------------------------------------|---------:|-------:|-------:|-------:|-------:|---------:|")
            closed_loop(baseline.port, baseline_request("/readwrite"), args.concurrency, 1.0)  # warm-up
            closed_loop(ivr.port, ivr_call(), args.concurrency, 1.0)
            fixed = row("baseline: fixed TwiML",
                        *closed_loop(baseline.port, baseline_request("/fixed"), args.concurrency, args.duration))
            readwrite = row("baseline: 1 read + 1 write",
                            *closed_loop(baseline.port, baseline_request("/readwrite"), args.concurrency,
                                         args.duration))
            steps = row("IVR: full steps of complete calls",
                        *closed_loop(ivr.port, ivr_call(), args.concurrency, args.duration))
            held = row(f"IVR: paced at {args.rate:.0f} req/s",
                       *paced(ivr.port, ivr_call(), args.rate, args.duration))
            print()
            print(f"IVR step throughput / fixed-TwiML baseline:  {steps['rps'] / fixed['rps']:.0%}")
            print(f"IVR step throughput / read+write baseline:   {steps['rps'] / readwrite['rps']:.0%}  (target >= 75%)")
            print(f"IVR p99 at {args.concurrency} clients: {steps['p99']:.1f} ms (target < 25 ms; read+write baseline: "
                  f"{readwrite['p99']:.1f} ms), errors {steps['errors']}")
            # In a closed loop the mean latency is clients / throughput (Little's law), so the p99
            # follows the throughput; p99 / mean is the shape of the tail, comparable between the two.
            print(f"p99 / mean latency at {args.concurrency} clients: IVR {steps['p99'] / steps['mean']:.1f}, "
                  f"read+write baseline {readwrite['p99'] / readwrite['mean']:.1f}")
            print(f"paced {args.rate:.0f} req/s: achieved {held['rps']:.0f} req/s, p99 {held['p99']:.1f} ms "
                  f"(target < 50 ms), errors {held['errors']}")
            if args.without:
                compare(ivr, servers[2:], args)
        finally:
            for server in servers:
                server.stop()
        if args.scale:
            from scale import run_all

            run_all(urls["scale"], folder, events=args.events, calls=args.calls, budget=args.duration * 6)


if __name__ == "__main__":
    main()
