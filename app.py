"""The WSGI entry point: `gunicorn app:app`."""

from ivr.app import create_app

app = create_app()
