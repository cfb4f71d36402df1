"""Concurrent webhook deliveries with a fair share per organisation.

A fixed pool of threads delivers; each organisation may occupy at most ``per_org`` of them at a time, so one
organisation's slow or dead receivers (each bounded by the request timeout) cannot hold back another's.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

log = logging.getLogger(__name__)

# Given the deliveries in flight per organisation, the free slots and the ids to leave alone,
# lease due webhooks and return (webhook id, organisation id) pairs.
Claim = Callable[[Counter[str], int, set[str]], list[tuple[str, str]]]
Deliver = Callable[[str], object]


class Lanes:
    """A delivery pool that claims work while it has free slots, at most ``per_org`` per organisation."""

    def __init__(self, claim: Claim, deliver: Deliver, *, workers: int, per_org: int) -> None:
        self.claim = claim
        self.deliver = deliver
        self.workers = max(1, workers)
        self.per_org = max(1, per_org)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="meishi-webhook")
        self._in_flight: dict[Future[object], str] = {}

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    def fill(self, exclude: set[str] | None = None) -> list[str]:
        """Claim and start as many deliveries as there are free slots; return the ids started."""
        free = self.workers - len(self._in_flight)
        if free <= 0:
            return []
        claimed = self.claim(Counter(self._in_flight.values()), free, exclude or set())
        for webhook_id, org_id in claimed:
            self._in_flight[self._pool.submit(self._deliver, webhook_id)] = org_id
        return [webhook_id for webhook_id, _ in claimed]

    def wait(self, timeout: float | None) -> None:
        """Wait until a delivery finishes or ``timeout`` passes."""
        if not self._in_flight:
            return
        done, _ = wait(list(self._in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            del self._in_flight[future]

    def drain(self) -> None:
        """Wait for every delivery in flight."""
        while self._in_flight:
            self.wait(None)

    def shutdown(self) -> None:
        """Stop taking work; deliveries in flight finish on their own (each is bounded by its timeout)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _deliver(self, webhook_id: str) -> object:
        try:
            return self.deliver(webhook_id)
        except Exception:  # the deliver function records failures itself; this only keeps the pool alive
            log.exception("webhook %s: delivery failed", webhook_id)
            return None
