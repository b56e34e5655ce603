"""How many gunicorn processes and threads serve the IVR: measured, not guessed (bench/RESULTS.md).

A step is mostly Python, and the threads of one process take turns on one interpreter lock. A
thread whose database answer has arrived waits for that lock behind the others, once per
statement: with four threads per process, PostgreSQL's slowest 1 % of steps at 250 requests/s
took 60-145 ms; with two threads, 17-21 ms. Two threads per process keep a second request moving
while the first waits on the database. PostgreSQL then wants two processes per core (each step
waits on the network for each statement); SQLite one per core, since its writers take turns on
one file lock and more processes only add more of them polling it.

Log lines: GunicornLogger, named by gunicorn.conf.py.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from ivr import logs
from ivr.store.db import one_writer_at_a_time

THREADS = 2


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
