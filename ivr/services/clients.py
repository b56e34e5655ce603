"""Finding a client by number; verifying callers is in ivr.services.verification."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Client

_BY_NUMBER = select(Client).where(Client.client_number == bindparam("number"))  # built once: every verification


def find_client(session: Session, client_number: str) -> Client | None:
    return session.scalar(_BY_NUMBER, {"number": client_number})


# Importing clients registers the verification actions (client.verify, verification.available),
# as it always did for client.verify, whoever imports the services first.
from . import verification  # noqa: E402,F401
