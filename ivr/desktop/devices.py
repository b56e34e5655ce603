"""Browsers an agent has signed in on before: a signed "device cookie" that outlives the session.

OWASP's device cookies (and NIST SP 800-63B §5.2.2's "where the subscriber has signed in before"): a
successful password sign-in leaves in the browser a cookie signed with the app's secret key that names
the account (by the throttle's keyed hash, never in clear) and the day of that success. A later try for
the same name from that browser is counted in the browser's own lane (throttle.py), so a guesser
elsewhere, even behind the same address, can never stop the agent signing in on it. A shared
workstation remembers several names; a name not signed in on that browser for `REMEMBER` is forgotten.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "ivr_device"
PATH = "/agent/"
REMEMBER = timedelta(days=90)  # how long one success keeps vouching for a name on this browser
MOST_NAMES = 20  # names one browser remembers (a shared workstation); the oldest is forgotten first
_KEY_CHARS = 32  # of the account's keyed hash: enough to tell names apart, shorter cookie
_SALT = "ivr.desktop.device"


@dataclass
class Device:
    """What the cookie says: the browser's random id, and per account key the day of its last success."""

    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    names: dict[str, int] = field(default_factory=dict)  # account key prefix -> days since the epoch

    def vouches_for(self, account_key: str, now: datetime) -> bool:
        day = self.names.get(account_key[:_KEY_CHARS])
        return day is not None and _day(now) - day <= REMEMBER.days

    def remember(self, account_key: str, now: datetime) -> None:
        self.names.pop(account_key[:_KEY_CHARS], None)
        self.names[account_key[:_KEY_CHARS]] = _day(now)
        while len(self.names) > MOST_NAMES:
            self.names.pop(next(iter(self.names)))


def read(secret: str, value: str | None) -> Device | None:
    """The device a cookie value describes; None when there is none or its signature is wrong."""
    if not value:
        return None
    try:
        data = URLSafeSerializer(secret, salt=_SALT).loads(value)
        return Device(id=str(data["d"]), names={str(k): int(v) for k, v in dict(data["n"]).items()})
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def write(secret: str, device: Device) -> str:
    """The cookie value for `device`, signed so that no one can make a browser vouch for a name."""
    return URLSafeSerializer(secret, salt=_SALT).dumps({"d": device.id, "n": device.names})


def _day(moment: datetime) -> int:
    return int(moment.timestamp() // 86400)
