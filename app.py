"""The WSGI entry point: `gunicorn app:app`.

A configuration the app refuses (a missing secret, ivr.config.check) is said in one sentence, and
the worker exits with gunicorn's "app failed to load" status (4), on which gunicorn stops instead of
starting workers again, rather than printing a traceback per worker."""

import sys

from ivr.app import create_app
from ivr.config import ConfigError

APP_LOAD_ERROR = 4  # gunicorn's arbiter: a worker exiting with this stops the server ("App failed to load.")

try:
    app = create_app()
except ConfigError as error:
    print(f"The IVR cannot start: {error}", file=sys.stderr)
    sys.exit(APP_LOAD_ERROR)
