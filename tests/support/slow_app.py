"""The IVR app with the hanging backend of tests/support/slow_backend.py: `gunicorn tests.support.slow_app:app`."""

from __future__ import annotations

from app import app  # noqa: F401 - what gunicorn serves
from tests.support.slow_backend import install

install()
