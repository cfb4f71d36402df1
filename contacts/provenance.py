"""Where a value came from: a card, an import, an API call or a user's edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contacts.db import utcnow


@dataclass(frozen=True)
class Source:
    """The origin of a write, recorded on every value it sets."""

    type: str
    id: str | None
    user_id: str | None

    def stamp(self) -> dict[str, Any]:
        """Return the JSON record kept beside a value."""
        return {"type": self.type, "id": self.id, "user_id": self.user_id, "at": utcnow().isoformat()}


@dataclass(frozen=True)
class Actor:
    """Who acts, in which organisation."""

    organization_id: str
    user_id: str | None

    def source(self, type_: str = "api", source_id: str | None = None) -> Source:
        """Return a Source for a write made by this actor."""
        return Source(type=type_, id=source_id, user_id=self.user_id)
