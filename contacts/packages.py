"""The domain packages of the app, in the order they register (subscribers run in this order).

Adding a package: give it a ``package.py`` with ``register(registry)`` and add it here (and a migration).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Flask

from contacts.analytics import package as analytics
from contacts.auth import package as auth
from contacts.cards import package as cards
from contacts.changelog import package as changelog
from contacts.companies import package as companies
from contacts.corrections import package as corrections
from contacts.dedup import package as dedup
from contacts.events import package as events
from contacts.frequency import package as frequency
from contacts.imports import package as imports
from contacts.optouts import package as optouts
from contacts.orgsettings import package as orgsettings
from contacts.people import package as people
from contacts.privacy import package as privacy
from contacts.registry import Registry, install
from contacts.segments import package as segments
from contacts.tags import package as tags
from contacts.touchpoints import package as touchpoints
from contacts.webhooks import package as webhooks

Register = Callable[[Registry], None]

PACKAGES: tuple[Register, ...] = (
    auth.register,
    people.register,
    companies.register,
    corrections.register,
    cards.register,
    tags.register,
    events.register,
    touchpoints.register,
    optouts.register,
    frequency.register,
    dedup.register,
    changelog.register,
    privacy.register,
    webhooks.register,
    orgsettings.register,
    analytics.register,
    segments.register,
    imports.register,
)


def build(packages: Sequence[Register] = PACKAGES) -> Registry:
    """Collect what ``packages`` register."""
    registry = Registry()
    for register in packages:
        register(registry)
    return registry


def register_packages(app: Flask, extra: Sequence[Register] = ()) -> Registry:
    """Wire every package (and ``extra`` ones, for tests) into ``app`` and the process."""
    registry = build((*PACKAGES, *extra))
    install(app, registry)
    return registry
