"""What the touchpoints package publishes for other packages to react to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contacts.bus import Event


@dataclass(frozen=True, kw_only=True)
class TouchpointsChanged(Event):
    """Touchpoints of these contacts were recorded, changed or deleted (their change-log rows are written
    apart); the frequency package recomputes who is over-contacted, analytics refreshes its rollup's days. Every
    writer of touchpoint rows publishes it (an erasure too), but for merges and their undo (ContactMergesMade,
    ContactMergesUndone)."""

    contact_ids: tuple[str, ...]
    # When the touchpoints written occur (and occurred, before a change), if the writer knows every one; empty:
    # any time (analytics then refreshes every day of the contacts).
    occurred_at: tuple[datetime, ...] = ()
