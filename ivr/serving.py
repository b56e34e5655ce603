"""How many gunicorn processes and threads serve the IVR: measured, not guessed (bench/RESULTS.md).

A step is mostly Python, and the threads of one process take turns on one interpreter lock. A
thread whose database answer has arrived waits for that lock behind the others, once per
statement: with four threads per process, PostgreSQL's slowest 1 % of steps at 250 requests/s
took 60-145 ms; with two threads, 17-21 ms. Two threads per process keep a second request moving
while the first waits on the database. PostgreSQL then wants two processes per core (each step
waits on the network for each statement); SQLite one per core, since its writers take turns on
one file lock and more processes only add more of them polling it.
"""

from __future__ import annotations

import os

THREADS = 2


def workers_and_threads(database_url: str, cores: int | None = None) -> tuple[int, int]:
    """gunicorn's `--workers` and `--threads` for this database on a machine with `cores` cores."""
    cores = max(1, cores or os.cpu_count() or 1)
    per_core = 1 if database_url.startswith("sqlite") else 2
    return per_core * cores, THREADS
