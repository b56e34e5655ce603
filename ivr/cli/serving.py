"""How many gunicorn processes and threads serve the IVR: measured, not guessed (bench/RESULTS.md).

A step is mostly Python, and the threads of one process take turns on one interpreter lock. A
thread whose database answer has arrived waits for that lock behind the others, once per
statement: with four threads per process, PostgreSQL's slowest 1 % of steps at 250 requests/s
took 60-145 ms; with two threads, 17-21 ms. Two threads per process keep a second request moving
while the first waits on the database. PostgreSQL then wants two processes per core (each step
waits on the network for each statement); SQLite one per core, since its writers take turns on
one file lock and more processes only add more of them polling it.

Log lines: GunicornLogger, named by gunicorn.conf.py. Settings: `check_settings`, gunicorn's
`on_starting` hook there, refuses a line that could not start before any worker is forked.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from gunicorn.glogging import Logger

from ivr import logs
from ivr.app import settings
from ivr.config import ConfigError
from ivr.store.db import one_writer_at_a_time

THREADS = 2
APP_LOAD_ERROR = 4
"""gunicorn's "App failed to load" exit status: a worker exiting with it stops the server instead of
being started again and again; the master exits with it too when `check_settings` refuses."""


def refuse(error: ConfigError) -> NoReturn:
    """Say why the IVR cannot start in one sentence on stderr (no traceback) and exit APP_LOAD_ERROR."""
    print(f"The IVR cannot start: {error}", file=sys.stderr)
    sys.exit(APP_LOAD_ERROR)


def check_settings(_server: Any = None) -> None:
    """gunicorn's `on_starting` hook (gunicorn.conf.py): the settings a worker's app would refuse
    (`ivr.app.settings`: a missing Twilio token or secret key, say) are refused once, by the master,
    before any worker starts, with `refuse`. Left to the workers, each said it and exited 4 at the same
    moment, and gunicorn, reaping the second one while stopping for the first, printed a traceback of
    its own (HaltServer raised inside halt). What only a worker can find (a database it cannot start
    from) is still said by the worker (app.py)."""
    try:
        settings()
    except ConfigError as error:
        refuse(error)


def workers_and_threads(database_url: str, cores: int | None = None) -> tuple[int, int]:
    """gunicorn's `--workers` and `--threads` for this database on a machine with `cores` cores."""
    cores = max(1, cores or os.cpu_count() or 1)
    per_core = 1 if one_writer_at_a_time(database_url) else 2
    return per_core * cores, THREADS


class GunicornLogger(Logger):
    """gunicorn's logger, with the app's lines in its error log and every line scrubbed (ivr.logs.configure).

    The error log (`--error-logfile`, stderr by default) gets gunicorn's lines and the app's (`ivr.*`) from
    `--log-level` up (info by default), each as `[2026-11-23 15:00:00 -0500] [4242] [INFO] ivr.telephony.voice: ...`;
    the access log (`--access-logfile`) keeps gunicorn's format: address, time, request, status, size.
    An operator's own `--log-config`/`--log-config-dict` is left as it is; its lines are scrubbed all the same.
    """

    error_fmt = logs.LINE_FORMAT
    datefmt = logs.DATE_FORMAT

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if cfg.logconfig or cfg.logconfig_dict or cfg.logconfig_json:
            logs.install()
        else:
            logs.configure(errors=self.error_log.handlers, access=self.access_log.handlers, level=self.loglevel)
