"""How the companies package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.companies import service
from contacts.companies.api import bp
from contacts.companies.models import Company
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("company_id", Company)
    registry.renders(Entity.COMPANY, render)


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The companies' JSON, as GET /companies/{id} shows it."""
    return as_json(service.companies_out(session, by_ids(session, Company, org_id, ids)))
