"""The two yardsticks the IVR is measured against, served by the same gunicorn settings.

- `/fixed`: a bare Flask route returning fixed TwiML (the cost of Flask + gunicorn + HTTP);
- `/readwrite`: a bare Flask route doing one SQLAlchemy read and one write on the same kind of
  database, through the same engine settings (`ivr.store.db.make_engine`: SQLite pragmas, BEGIN
  IMMEDIATE, PostgreSQL connect timeout), so the difference with the IVR is the IVR's own work.

Run: `IVR_DATABASE_URL=... gunicorn --chdir bench 'baseline_app:create_app()'` after `prepare(url)`.
"""

from __future__ import annotations

import os
import random

from flask import Flask, Response
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from twilio.twiml.voice_response import VoiceResponse

from ivr.store.db import begin_write, make_engine


class Base(DeclarativeBase):
    pass


class Hit(Base):
    __tablename__ = "bench_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    n: Mapped[int] = mapped_column(Integer)


def prepare(url: str) -> None:
    """Create and fill the table once, before the server's workers start (they would race)."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        if session.scalar(select(Hit.id).limit(1)) is None:
            session.add_all(Hit(key=f"k{i}", n=0) for i in range(1000))
            session.commit()
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["IVR_DATABASE_URL"])
    response = VoiceResponse()
    gather = response.gather(action="/voice/step?s=1", input="dtmf speech", language="fr-CA", timeout=6)
    gather.say("Bonjour.", voice="Polly.Chantal", language="fr-CA")
    response.redirect("/voice/step?s=1&timeout=1", method="POST")
    fixed = str(response)

    @app.post("/fixed")
    def fixed_twiml() -> Response:
        return Response(fixed, mimetype="text/xml")

    @app.post("/readwrite")
    def read_and_write() -> Response:
        with Session(engine) as session:
            begin_write(session)  # as the IVR's step does: read then write under the write lock
            hit = session.scalar(select(Hit).where(Hit.key == f"k{random.randrange(1000)}"))
            session.add(Hit(key="w", n=hit.n + 1 if hit else 0))
            session.commit()
        return Response(fixed, mimetype="text/xml")

    return app


