"""The demo agency's clients, loaded by `ivr seed --demo` so every flow can be tried at once,
and put back as shipped by `ivr seed --demo --reset`; and the register of fictional clients that
`ivr seed --demo --history N` adds so that most of its callers are people who call once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from random import Random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import clock
from ivr.store.missing import insert_missing
from ivr.store.models.calls import Application, ChangeRequest, Client, Contact
from ivr.services import changes, verification

RESET_BY = "ivr seed --demo --reset"
FICTIONAL_PREFIX = "000"
"""Client numbers of the fictional register start with it (000000001 to 000999999): the demo clients'
numbers do not, nor do the agency's real ones (never issued with three leading zeros)."""
FICTIONAL_NAMES = ("Alex Exemple", "Sam Sample", "Camille Fictive", "Robin Placeholder", "Dominique Démo",
                   "Jordan Testcase", "Claude Imaginaire", "Morgan Example")
"""Obviously invented names, none a real person's, given in turn."""
FICTIONAL_STREETS = (("rue de l'Exemple", "Villexemple", "QC", "fr"), ("avenue Fictive", "Villexemple", "QC", "fr"),
                     ("boulevard Imaginaire", "Villexemple", "QC", "fr"),
                     ("Example Street", "Sampleton", "ON", "en"), ("Sample Road", "Sampleton", "ON", "en"))
FICTIONAL_AREA_CODES = ("581", "367", "873", "343", "263", "354")
"""Area codes of the register's phones (all 555-01xx, which the numbering plan keeps for fiction), apart
from those of the history's anonymous callers, so a stranger's failed tries never suspend a client's phone."""

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
    """Add the demo clients that are missing; return how many this call added (safe beside another
    seeding process: a client it added first is not counted here)."""
    return _add_missing(session, DEMO_CLIENTS)


def _add_missing(session: Session, entries: list[dict]) -> int:
    """Add the clients of `entries` (DEMO_CLIENTS' shape) that no row holds yet, each with its application."""
    added = insert_missing(session, Client, [entry["client"] for entry in entries], "client_number")
    for entry in entries:
        client_id = added.get(entry["client"]["client_number"])
        if client_id is not None and entry["application"]:
            session.add(Application(client_id=client_id, **entry["application"]))
    session.flush()
    return len(added)


def fictional_client(index: int) -> dict:
    """Entry `index` (1 to 999 999) of the fictional register, shaped as a DEMO_CLIENTS entry.

    Made from `index` alone, so every history on a database shares the same register: a name from
    FICTIONAL_NAMES, client number FICTIONAL_PREFIX + 6 digits, born on 1 January (plainly fake), an
    address on an invented street of an invented town with a postal code of the unassigned X0X area,
    a 555-01xx phone (one in six has none), and one of the demo clients' four applications (or none).
    Raises ValueError outside 1 to 999 999.
    """
    if not 1 <= index <= 999_999:
        raise ValueError(f"the fictional register has clients 1 to 999999, not {index}")
    rng = Random(index)
    street, city, province, language = FICTIONAL_STREETS[index % len(FICTIONAL_STREETS)]
    phone = None if rng.random() < 1 / 6 else \
        f"+1{rng.choice(FICTIONAL_AREA_CODES)}5550{rng.randrange(100, 200)}"
    digit = index % 10
    application = DEMO_CLIENTS[index % len(DEMO_CLIENTS)]["application"]
    return dict(
        client=dict(
            client_number=f"{FICTIONAL_PREFIX}{index:06d}", birth_date=date(1940 + index % 60, 1, 1),
            name=FICTIONAL_NAMES[index % len(FICTIONAL_NAMES)], language=language, phone=phone,
            civic_number=str(rng.randrange(1, 999)), street=street, apartment=None, city=city,
            province=province, postal_code=f"X0X {digit}X{digit}",
        ),
        application=dict(application) if application else None,
    )


def seed_fictional(session: Session, count: int) -> int:
    """Add the first `count` clients of the fictional register that are missing (through the store, as
    seed_demo does); return how many were added. What exists is kept (a history may have changed an
    address)."""
    return _add_missing(session, [fictional_client(index) for index in range(1, count + 1)])


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
