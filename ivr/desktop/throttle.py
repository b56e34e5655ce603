"""Slowing down password guessing on the desktop without letting anyone lock an agent out.

After NIST SP 800-63B §5.2.2 (at most 100 consecutive failures on one account; growing waits, and
trusting where the subscriber has signed in before, rather than lock-outs) and OWASP's Authentication
and Credential Stuffing cheat sheets (exponential delays; per-address counts kept apart from per-user
ones; device cookies). The numbers and why: docs/security.md, "Password sign-in".

- Failures are counted per **lane**: the user name as typed (whether or not such an agent exists)
  together with where the try comes from: the browser, when its device cookie says this name signed in
  on it before (`devices.py`); otherwise the client address. A guesser's failures slow the guesser's
  lane, never the agent's own.
- In a lane, the first `FREE` failures cost nothing (typos); after that each failure makes the next try
  wait, doubling from `FIRST_DELAY` up to `MAX_DELAY`. A success in the lane forgets its failures.
- A name that collects `ACCOUNT_BAR` failures from browsers it never signed in on, within
  `ACCOUNT_WINDOW`, takes no password from such browsers until the window slides: a guesser with many
  addresses is stopped. Browsers the agent signed in on before are not affected.
- An address that collects `ADDRESS_BAR` failures from unknown browsers within `ADDRESS_WINDOW` takes no
  password from unknown browsers until the window slides: one address trying many names is stopped.
  Known browsers behind that address (the rest of an office behind one NAT) are not affected.

Names and addresses are kept only as keyed hashes (HMAC with the app's secret key). The answers are the
same for every name, existing or not, right password or not: a throttled try checks no password.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from ivr.store.models.desktop import SignInFailure

FREE = 3  # failures in a lane before any wait: typing mistakes cost nothing
FIRST_DELAY = timedelta(seconds=30)  # the wait after the first failure past FREE, doubled by each further one
MAX_DELAY = timedelta(minutes=15)  # the longest wait between two tries in a lane
ACCOUNT_BAR = 100  # failures for one name from unknown browsers (NIST's most for one account) ...
ACCOUNT_WINDOW = timedelta(hours=24)  # ... within this long; also how long a lane remembers its failures
ADDRESS_BAR = 100  # failures from unknown browsers at one address, across any names ...
ADDRESS_WINDOW = timedelta(hours=1)  # ... within this long


@dataclass(frozen=True)
class Attempt:
    """Who a sign-in try is counted against: keyed hashes of the typed name, the address, the known browser."""

    account: str
    address: str
    device: str | None = None  # set when the browser's device cookie vouches for this name


@dataclass(frozen=True)
class Refusal:
    """Why a try must wait: `slow` (its lane's growing delay) or `stopped` (a bar reached), and for how long."""

    kind: Literal["slow", "stopped"]
    wait: timedelta


def lane_delay(failures: int) -> timedelta | None:
    """The wait after the last of `failures` failures in one lane, or None while they are free."""
    if failures < FREE:
        return None
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - FREE, 20))


@dataclass(frozen=True)
class Throttle:
    secret: str
    account_bar: int = ACCOUNT_BAR
    address_bar: int = ADDRESS_BAR

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def account_key(self, username: str) -> str:
        return self._key("account", username.strip().lower())

    def address_key(self, address: str) -> str:
        return self._key("address", address or "unknown")

    def attempt(self, username: str, address: str, device_id: str | None = None) -> Attempt:
        """The try of `username` from `address`, on a browser known for that name when `device_id` is given."""
        return Attempt(self.account_key(username), self.address_key(address),
                       self._key("device", device_id) if device_id else None)

    def _lane(self, attempt: Attempt) -> ColumnElement[bool]:
        if attempt.device is not None:
            return and_(SignInFailure.account_key == attempt.account, SignInFailure.device_key == attempt.device)
        return and_(SignInFailure.account_key == attempt.account, SignInFailure.device_key.is_(None),
                    SignInFailure.address_key == attempt.address)

    def refusal(self, db: Session, attempt: Attempt, now: datetime) -> Refusal | None:
        """Why this try may not check a password now, or None when it may go ahead."""
        refusals = []
        failures, last = db.execute(select(func.count(), func.max(SignInFailure.at))
                                    .where(self._lane(attempt), SignInFailure.at > now - ACCOUNT_WINDOW)).one()
        delay = lane_delay(failures)
        if delay is not None and _aware(last) + delay > now:
            refusals.append(Refusal("slow", _aware(last) + delay - now))
        if attempt.device is None:
            unknown = SignInFailure.device_key.is_(None)
            for match, bar, window in ((SignInFailure.account_key == attempt.account, self.account_bar, ACCOUNT_WINDOW),
                                       (SignInFailure.address_key == attempt.address, self.address_bar, ADDRESS_WINDOW)):
                recent = list(db.scalars(select(SignInFailure.at).where(match, unknown, SignInFailure.at > now - window)
                                         .order_by(SignInFailure.at.desc()).limit(bar)))
                if len(recent) >= bar:
                    # The bar lifts a window after the oldest of the failures that reached it.
                    refusals.append(Refusal("stopped", _aware(recent[-1]) + window - now))
        if not refusals:
            return None
        stopped = [r for r in refusals if r.kind == "stopped"]
        return max(stopped or refusals, key=lambda r: r.wait)

    def failed(self, db: Session, attempt: Attempt, now: datetime) -> None:
        db.execute(delete(SignInFailure).where(SignInFailure.at < now - ACCOUNT_WINDOW))  # nothing kept for long
        db.add(SignInFailure(account_key=attempt.account, address_key=attempt.address, device_key=attempt.device,
                             at=now))

    def succeeded(self, db: Session, attempt: Attempt) -> None:
        """The right password forgets the failures of its lane only (NIST: that user from that place).

        Not the name's other lanes, nor the address's: a guesser elsewhere, or one who owns an account of
        their own, must not be able to wipe their count by signing in.
        """
        db.execute(delete(SignInFailure).where(self._lane(attempt)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
