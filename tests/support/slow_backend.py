"""A backend that hangs for one caller, as a stuck agency system would (tests only).

`status.lookup` waits `HANG_S` seconds on something outside the database before answering when the
caller ID is SLOW_CALLER, and answers as usual for everyone else. Installed by
tests/support/slow_app.py, which gunicorn serves in tests/calls/test_slow_actions.py.
"""

from __future__ import annotations

import time

from ivr.services import actions, status

SLOW_CALLER = "+15145550666"
HANG_S = 6.0


def install() -> None:
    real_lookup = status.lookup

    @actions.action("status.lookup")
    def lookup_hanging_for_one_caller(ctx: actions.ActionContext) -> actions.ActionResult:
        if ctx.call.caller == SLOW_CALLER:
            time.sleep(HANG_S)  # an HTTP call to an agency system that does not answer
        return real_lookup(ctx)
