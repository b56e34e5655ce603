"""The demo agency's clients, loaded by `ivr seed --demo` so every flow can be tried at once,
and put back as shipped by `ivr seed --demo --reset`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import clock
from ivr.store.models.calls import Application, ChangeRequest, Client, Contact
from ivr.services import changes, verification

RESET_BY = "ivr seed --demo --reset"

DEMO_CLIENTS = [
    dict(
        client=dict(
            client_number="100200300", birth_date=date(1948, 5, 17), name="Jeanne Tremblay", language="fr",
            phone="+15145550142", civic_number="1234", street="rue Saint-Denis", apartment="5",
            city="Montréal", province="QC", postal_code="H2X 3K8",
        ),
        application=dict(
            benefit="retirement_pension", status="approved", received=date(2026, 8, 3), decided=date(2026, 11, 2),
            first_payment_amount=Decimal("1234.56"), first_payment_date=date(2026, 12, 22),
        ),
    ),
    dict(
        client=dict(
            client_number="200300400", birth_date=date(1961, 11, 2), name="Robert Smith", language="en",
            phone="+16135550199", civic_number="45", street="Elgin Street", apartment=None,
            city="Ottawa", province="ON", postal_code="K1P 5K7",
        ),
        application=dict(
            benefit="disability_benefit", status="in_review", received=date(2026, 10, 5),
            expected=date(2027, 1, 15), waiting_for="medical_report",
        ),
    ),
    dict(
        client=dict(
            client_number="300400500", birth_date=date(1975, 2, 28), name="Amélie Nguyen", language="fr",
            phone=None, civic_number="88", street="boulevard René-Lévesque", apartment=None,
            city="Québec", province="QC", postal_code="G1R 2B5",
        ),
        application=dict(
            benefit="survivor_benefit", status="refused", received=date(2026, 6, 12), decided=date(2026, 9, 30),
        ),
    ),
    dict(
        # A client with no application on file: the status flow's "none" answer.
        client=dict(
            client_number="400500600", birth_date=date(1990, 7, 14), name="Marc Gagnon", language="fr",
            phone="+18195550111", civic_number="12", street="rue Principale", apartment=None,
            city="Gatineau", province="QC", postal_code="J8X 1A1",
        ),
        application=None,
    ),
]


def seed_demo(session: Session) -> int:
    """Add the demo clients that are missing; return how many were added."""
    added = 0
    for entry in DEMO_CLIENTS:
        number = entry["client"]["client_number"]
        if session.scalar(select(Client).where(Client.client_number == number)) is not None:
            continue
        client = Client(**entry["client"])
        if entry["application"]:
            client.applications.append(Application(**entry["application"]))
        session.add(client)
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class DemoReset:
    """What `reset_demo` did, to tell the person who ran it."""

    clients: int
    changes_reversed: int
    contacts_removed: int


def reset_demo(session: Session, now: datetime | None = None) -> DemoReset:
    """Put the demo clients back as shipped, however they were tried.

    Each one's file (address, phone ...) and application are the shipped ones again, its pending
    changes are reversed (so `ivr change apply-due` never applies them), its contact history is
    emptied, and self-service verification is open again for its number and its phone (a
    suspension ends). Other clients, agents' accounts, calls and the audit trail stay; the trail
    gains what the reset did, by RESET_BY. Needs the server's secret key (an app context or
    IVR_SECRET_KEY): the suspension is counted under keyed hashes.
    """
    now = now or clock.now()
    seed_demo(session)
    reversed_count = removed = 0
    for entry in DEMO_CLIENTS:
        client = session.scalar(select(Client).where(Client.client_number == entry["client"]["client_number"]))
        for name, value in entry["client"].items():
            setattr(client, name, value)
        for application in list(client.applications):
            session.delete(application)
        client.applications.clear()
        if entry["application"]:
            client.applications.append(Application(**entry["application"]))
        pending = session.scalars(select(ChangeRequest).where(ChangeRequest.client_id == client.id,
                                                              ChangeRequest.status == "pending"))
        for request in pending.all():
            changes.reverse(session, request, RESET_BY, "demo reset", now, actor_kind="system")
            reversed_count += 1
        for contact in session.scalars(select(Contact).where(Contact.client_id == client.id)).all():
            session.delete(contact)
            removed += 1
        verification.start_afresh(session, client, RESET_BY, now)
    session.flush()
    return DemoReset(len(DEMO_CLIENTS), reversed_count, removed)
