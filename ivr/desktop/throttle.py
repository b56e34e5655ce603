"""Slowing down password guessing on the desktop's sign-in, without telling anyone which accounts exist.

Failures are counted per typed user name (whether or not such an agent exists) and per client address.
Past the limit, sign-in is refused for a while even with the right password, with the same message for
every name, so guessing costs hours and nobody learns who works here. The lock lifts by itself: an
attacker can slow an agent down but not shut them out for good, and a supervisor can always add
a new account.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import SignInFailure

PER_ACCOUNT = 5  # failures for one user name within the window
PER_ADDRESS = 20  # failures from one address, across any names, within the window
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Throttle:
    secret: str
    per_account: int = PER_ACCOUNT
    per_address: int = PER_ADDRESS
    window: timedelta = WINDOW

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def account_key(self, username: str) -> str:
        return self._key("account", username.strip().lower())

    def address_key(self, address: str) -> str:
        return self._key("address", address or "unknown")

    def wait(self, db: Session, username: str, address: str, now: datetime) -> timedelta | None:
        """How long this sign-in must wait, or None when it may go ahead."""
        since = now - self.window
        account, where = self.account_key(username), self.address_key(address)
        waits = []
        for column, key, limit in ((SignInFailure.account_key, account, self.per_account),
                                   (SignInFailure.address_key, where, self.per_address)):
            recent = list(db.scalars(select(SignInFailure.at).where(column == key, SignInFailure.at > since)
                                     .order_by(SignInFailure.at.desc()).limit(limit)))
            if len(recent) >= limit:
                # The lock lifts a full window after the oldest of the failures that reached the limit.
                waits.append(_aware(recent[-1]) + self.window - now)
        return max(waits) if waits else None

    def failed(self, db: Session, username: str, address: str, now: datetime) -> None:
        db.execute(delete(SignInFailure).where(SignInFailure.at < now - self.window * 4))  # nothing kept for long
        db.add(SignInFailure(account_key=self.account_key(username), address_key=self.address_key(address), at=now))

    def succeeded(self, db: Session, username: str) -> None:
        """The right password clears that account's count (not the address's: a guesser may own one account)."""
        db.execute(delete(SignInFailure).where(SignInFailure.account_key == self.account_key(username)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
