"""The language and time zone of a page: the user's setting, then the browser's Accept-Language."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from flask import g, request

LANGUAGES = ("ja", "en")
DEFAULT_TIME_ZONE = "Asia/Tokyo"


def select_locale() -> str:
    """Return the signed-in user's language, else the best match of Accept-Language, else English."""
    user = g.get("web_user")
    if user is not None and user.locale in LANGUAGES:
        return str(user.locale)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_time_zone() -> str:
    """Return the signed-in user's time zone, else Asia/Tokyo."""
    user = g.get("web_user")
    if user is not None and user.time_zone:
        return str(user.time_zone)
    return DEFAULT_TIME_ZONE


def user_zone() -> ZoneInfo:
    """Return the time zone pages show times in."""
    return ZoneInfo(select_time_zone())


def known_time_zone(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone this system knows."""
    return name in available_timezones()
