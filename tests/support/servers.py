"""Real IVR servers for tests: gunicorn processes on loopback sharing one database, or a thread of this process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from ivr.config import ROOT
from tests.conftest import TOKEN

ALWAYS_OPEN = """\
timezone: America/Toronto
open: {monday: "00:00-24:00", tuesday: "00:00-24:00", wednesday: "00:00-24:00", thursday: "00:00-24:00",
       friday: "00:00-24:00", saturday: "00:00-24:00", sunday: "00:00-24:00"}
holidays: none
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """As a crash would: no clean shutdown, no chance to finish anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start(database_url: str, folder: Path, name: str, threads: int = 4, workers: int = 1,
          extra_env: dict[str, str] | None = None, log_level: str = "warning", app: str = "app:app") -> Server:
    """gunicorn with the project's gunicorn.conf.py, serving `app` (another module only to give it
    test doubles); what it writes (both logs) goes to `folder/name.log`."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return _launch(lambda port: [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads",
                                 str(threads), "--worker-class", "gthread", "--log-level", log_level, app],
                   database_url, folder, name, extra_env)


def start_ivr_serve(database_url: str, folder: Path, name: str) -> Server:
    """`ivr serve` (werkzeug's server), as a developer or a small office runs it."""
    ivr = str(Path(sys.executable).with_name("ivr"))
    return _launch(lambda port: [ivr, "serve", "--port", str(port)], database_url, folder, name)


def _launch(command: Callable[[int], list[str]], database_url: str, folder: Path, name: str,
            extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    hours = folder / "always-open-hours.yaml"  # agents in at any hour: a test must not depend on the clock
    hours.write_text(ALWAYS_OPEN)
    env = {**os.environ, "IVR_DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
           "IVR_SECRET_KEY": "test-secret", "IVR_INSTANCE_PATH": str(folder / name), "IVR_HOURS_FILE": str(hours),
           **(extra_env or {})}
    env.pop("IVR_DEMO", None)
    process = subprocess.Popen(
        command(port),
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    return _listening(Server(process, port, log), name)


@contextmanager
def in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """`app` served on a loopback port by werkzeug's threaded server, in this process: its base URL
    (an IPv6 host in brackets)."""
    http = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{f'[{host}]' if ':' in host else host}:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=5)


def beside_make_run() -> dict[str, str]:
    """The environment `make run` leaves in a terminal: no IVR_* or TWILIO_* setting at all."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("IVR_", "TWILIO_"))}


def start_demo(folder: Path) -> Server:
    """`ivr serve --demo` run from `folder`, as `make run` runs it: its database is folder/instance/ivr.db."""
    port = free_port()
    log = folder / "demo-server.log"
    ivr = Path(sys.executable).with_name("ivr")
    process = subprocess.Popen(
        [str(ivr), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, env=beside_make_run(), stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    return _listening(Server(process, port, log), "demo")


def _listening(server: Server, name: str) -> Server:
    process, port, log = server.process, server.port, server.log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server {name} stopped at start:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the server {name} did not start in 30 s:\n{log.read_text()}")
