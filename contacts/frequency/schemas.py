"""Contact-frequency rule shapes: /organization/contact-rules."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import StrictModel
from contacts.touchpoints.schemas import Kind

MAX_RULES = 20


class ContactRule(StrictModel):
    """At most ``max`` touchpoints of ``kinds`` per contact within ``days`` days; a contact with more is
    over-contacted until the oldest of the excess falls out of the window."""

    max: int = Field(ge=1, le=1000, strict=True, description="Touchpoints allowed within the window.")
    kinds: list[Kind] = Field(
        min_length=1, max_length=15, description="The touchpoint kinds the rule counts."
    )
    days: int = Field(ge=1, le=366, strict=True, description="The window, in days back from now.")

    @model_validator(mode="after")
    def _distinct_kinds(self) -> Self:
        self.kinds = sorted(set(self.kinds))
        return self


class ContactRules(StrictModel):
    """Body of PUT /organization/contact-rules: the whole list (an empty list removes every rule)."""

    rules: list[ContactRule] = Field(max_length=MAX_RULES)


class ContactRulesOut(BaseModel):
    rules: list[ContactRule]
    version: int = Field(description="The organisation settings' version (the ETag).")
