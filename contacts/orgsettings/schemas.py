"""Request and response shapes of /organization/settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from contacts.api.schemas import StrictModel

Threshold = Annotated[float, Field(ge=0.0, le=1.0)]


class OrgSettingsUpdate(StrictModel):
    """Body of PATCH /organization/settings; ``review_threshold: null`` returns to the deployment default."""

    review_threshold: Threshold | None = Field(
        default=None, description="Field confidence below which a card waits for review (0 to 1)."
    )
    learn_corrections: bool | None = Field(
        default=None, description="Remember reviewers' corrections and apply them to later cards."
    )


class OrgSettingsOut(BaseModel):
    review_threshold: float | None = Field(description="The organisation's own threshold; null: the default.")
    default_review_threshold: float = Field(description="The deployment's default (MEISHI_REVIEW_THRESHOLD).")
    effective_review_threshold: float = Field(description="The threshold cards are held to now.")
    learn_corrections: bool
    version: int
    updated_by: str | None
    updated_at: datetime | None
