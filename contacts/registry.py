"""What a domain package plugs into the app, collected in one place by ``create_app``.

Each package has a ``package.py`` whose ``register(registry)`` declares its blueprints, the path arguments
that name its rows, the events it subscribes to, the rows it keeps per contact and what it adds to contact
filters and contact JSON. ``contacts.packages``
lists the packages; :func:`install` wires the result into a Flask app and the process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy.orm import Session

from contacts import bus, contact_extensions, ownership
from contacts.api.spec import register_path_model
from contacts.changelog.vocabulary import Entity

Renderer = Callable[[Session, str, list[str]], Mapping[str, dict[str, Any]]]
"""Render the records ``ids`` of an organisation as their API JSON, by id, in one batch (missing: gone)."""


@dataclass
class Registry:
    """Everything the packages registered, in registration order."""

    subscribers: bus.Subscribers = field(default_factory=bus.Subscribers)
    owners: ownership.Owners = field(default_factory=ownership.Owners)
    blueprints: list[Blueprint] = field(default_factory=list)
    path_models: dict[str, type[Any]] = field(default_factory=dict)
    renderers: dict[Entity, Renderer] = field(default_factory=dict)
    contacts: contact_extensions.ContactExtensions = field(
        default_factory=contact_extensions.ContactExtensions
    )

    def blueprint(self, bp: Blueprint) -> None:
        """Serve ``bp``'s routes."""
        self.blueprints.append(bp)

    def path_model(self, arg: str, model: type[Any]) -> None:
        """Declare that path argument ``arg`` names a row of ``model`` (another organisation's id is a 404)."""
        self.path_models[arg] = model

    def subscribe(self, event_type: type[bus.Event], subscriber: bus.Subscriber) -> None:
        """Run ``subscriber`` after every published ``event_type``."""
        self.subscribers.subscribe(event_type, subscriber)

    def renders(self, entity: Entity, renderer: Renderer) -> None:
        """Declare how the change feed shows records of ``entity`` (``GET /changes?include=data``)."""
        self.renderers[entity] = renderer

    def owns(self, rows: ownership.OwnedRows) -> None:
        """Declare rows kept per contact, with how merge, undo and erasure treat them."""
        self.owners.add(rows)

    def contact_filter(self, clauses: contact_extensions.FilterClauses) -> None:
        """Add conditions to every contact filter (lists, bulk operations, analytics)."""
        self.contacts.filters.append(clauses)

    def contact_field(self, fields: contact_extensions.ContactFields) -> None:
        """Add fields to the contact JSON."""
        self.contacts.fields.append(fields)


def install(app: Flask, registry: Registry) -> None:
    """Register the blueprints and path models on ``app`` and make the subscribers and owners current."""
    for arg, model in registry.path_models.items():
        register_path_model(arg, model)
    for bp in registry.blueprints:
        app.register_blueprint(bp)
    activate(registry)
    app.extensions["meishi.registry"] = registry


def activate(registry: Registry) -> None:
    """Make the registry's subscribers and owned rows the ones the process publishes to and iterates."""
    bus.install(registry.subscribers)
    ownership.install(registry.owners)
    contact_extensions.install(registry.contacts)
