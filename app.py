"""The WSGI entry point: `gunicorn app:app`.

Settings the app refuses (a missing secret, ivr.config.check) are refused by gunicorn's master before
any worker starts (gunicorn.conf.py's on_starting, `ivr.cli.serving.check_settings`). What a worker
alone finds (a database at a schema revision this code does not know) is said in one sentence, and
the worker exits with gunicorn's "app failed to load" status (4), on which gunicorn stops instead of
starting workers again, rather than printing a traceback per worker."""

from ivr.app import create_app
from ivr.cli.serving import refuse
from ivr.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    refuse(error)
