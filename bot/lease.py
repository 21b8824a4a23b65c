"""Keeping the lease: the process that holds it sweeps, sends and (in polling mode) polls.

Every process runs a keeper. It renews the lease well before it runs out; a process that dies
stops renewing, and another takes the lease over once it has run out (within `ttl` plus one
renewal interval). A holder that cannot renew in time stops sending at once, from its own
clock, before anyone else can take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session

from bot.runtime import Runtime
from storage import lease
from storage.db import session_scope

log = logging.getLogger(__name__)

NAME = "sender"


class LeaseKeeper:
    def __init__(self, rt: Runtime, *, ttl: timedelta, on_acquired: Callable[[], None]) -> None:
        self._rt = rt
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._on_acquired = on_acquired
        self._valid_until = 0.0  # monotonic: we may act as holder until then
        self.changed = asyncio.Event()

    @property
    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    @property
    def renew_seconds(self) -> float:
        return self.ttl.total_seconds() / 4

    def renew(self) -> bool:
        """One attempt to take or keep the lease. Safe to call often."""
        started = time.monotonic()
        was_held = self.held
        try:
            with session_scope(self._rt.engine) as session:
                if not was_held:
                    self._expire_if_dead(session)
                held, new = lease.try_hold(
                    session=session,
                    name=NAME,
                    holder=self.holder,
                    now=self._rt.clock.now(),
                    ttl=self.ttl,
                )
        except Exception:
            log.exception("renewing the sender lease failed")
            held, new = False, False
        # Count from before the attempt, and stop a little early: never act on a lease that
        # another process may already see as run out.
        self._valid_until = started + self.ttl.total_seconds() * 0.8 if held else 0.0
        if held != was_held:
            log.warning("sender lease %s by %s", "taken" if held else "lost", self.holder)
            self.changed.set()
        if new:
            self._on_acquired()
        return held

    def _expire_if_dead(self, session: Session) -> None:
        """A holder on this machine whose process is gone (killed, crashed) will never renew:
        end its lease now, so a restart sends again at once instead of after `ttl`."""
        found = lease.current(session=session, name=NAME)
        if found is not None and found[1] > self._rt.clock.now() and _is_dead(found[0]):
            log.warning("sender lease of %s ends early: that process is gone", found[0])
            lease.release(session=session, name=NAME, holder=found[0], now=self._rt.clock.now())

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                self.renew()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.renew_seconds)
        finally:
            self.release()

    def release(self) -> None:
        if not self.held:
            return
        self._valid_until = 0.0
        try:
            with session_scope(self._rt.engine) as session:
                lease.release(
                    session=session, name=NAME, holder=self.holder, now=self._rt.clock.now()
                )
            log.info("sender lease released by %s", self.holder)
        except Exception:
            log.exception("releasing the sender lease failed; it runs out by itself")


def _is_dead(holder: str) -> bool:
    """True only for a holder of this machine (same host name) whose process no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: is it there?
    except ProcessLookupError:
        return True
    except PermissionError:  # there, under another user
        return False
    return False
