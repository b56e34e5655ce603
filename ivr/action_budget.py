"""Backend actions run on a thread of their own, and the step waits for them only as long as their budget.

A budget that only interrupts database statements cannot stop an action that waits on something
else (an agency's web service, a stuck socket, a sleep): the step would wait with it and the
caller would hear silence past Twilio's timeout. So the step hands its actions to a small pool of
threads (`run_within`) and waits at most their budget; past it the step goes on to the action's
error branch, and the late work, when it ends, is cleaned up on its own thread (`clean_up`: its
transaction rolled back), so nothing it did is kept or doubled.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from . import deadline

log = logging.getLogger(__name__)

T = TypeVar("T")

ACTION_THREADS = 16
"""Action threads per process. A late action keeps its thread until it ends: with every thread taken
by late actions, the next ones wait their budget and take their error branch; no other step waits."""


class ActionsLate(deadline.DeadlineExceeded):
    """The step's backend actions did not answer within their budget; their work will be rolled back."""


_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The process's pool, made after gunicorn forks (threads do not survive a fork)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="ivr-action")
            _pool_pid = os.getpid()
        return _pool


class _Handover:
    """Who owns the work's result: the step (delivered in time) or the action thread (abandoned)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered = False
        self.abandoned = False


def run_within(seconds: float, work: Callable[[], T], clean_up: Callable[[], None]) -> T:
    """`work()` on an action thread, in a copy of this context (the request's budget, Flask's app);
    its result (or its exception) if it ends within `seconds`.

    Raises ActionsLate after `seconds` otherwise; the step must then leave alone everything `work`
    uses (its session, its connection, its objects): `clean_up()` runs on the action thread when
    `work` ends, whatever it returned or raised. Exactly one side owns the result: a result that
    came at the very moment the step gave up is the step's.
    """
    handover = _Handover()
    context = contextvars.copy_context()

    def on_action_thread() -> T:
        try:
            return context.run(work)
        finally:
            with handover.lock:
                if handover.abandoned:
                    _quietly(clean_up)
                else:
                    handover.delivered = True

    future = _executor().submit(on_action_thread)
    try:
        return future.result(timeout=max(0.0, seconds))
    except FutureTimeout:
        with handover.lock:
            if not handover.delivered:
                handover.abandoned = True
                if future.cancel():  # never started (every thread busy): nobody else will clean up
                    _quietly(clean_up)
                raise ActionsLate(f"the backend actions did not answer within {seconds:.2f} s") from None
        return future.result()  # it ended as the step gave up: in time after all


def _quietly(clean_up: Callable[[], None]) -> None:
    try:
        clean_up()
    except Exception as error:  # a late action's database may be gone too; nothing else is waiting on it
        log.warning("cleaning up after late backend actions failed: %s", type(error).__name__)
