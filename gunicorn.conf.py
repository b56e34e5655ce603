"""`gunicorn app:app` run from this folder reads these settings; flags on the command line win.

Processes and threads: `ivr.cli.serving` (measured in bench/RESULTS.md). The database is the one
the app will use (IVR_DATABASE_URL; SQLite under instance/ when unset). Log lines: the app's go to
gunicorn's error log (stderr) with a timestamp, the requests to its access log (stdout), all
scrubbed of personal data (ivr.logs).
"""

from ivr.config import database_url
from ivr.cli.serving import GunicornLogger, check_settings, workers_and_threads

worker_class = "gthread"
workers, threads = workers_and_threads(database_url())
logger_class = GunicornLogger
on_starting = check_settings  # settings the app would refuse stop the master, before any worker starts
accesslog = "-"
