"""The Flask extensions of the web app, created unbound and attached in :func:`contacts.web.init_app`."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def scope_limiter_to(app: Flask, blueprint: str) -> None:
    """Run the limiter's request hooks for ``blueprint`` only, not for every request of ``app``.

    The web limits are on sign-in views, whose ``@limiter.limit`` decorators check them when the view runs;
    there are no default, application or blueprint limits for the app-wide before-request hook to check. Yet
    :meth:`Limiter.init_app` registers its before, after and teardown hooks app-wide, and they cost an API
    request (whose limits are contacts.auth.ratelimit's) CPU even when a request filter skips it. Flask
    runs hooks registered under a blueprint's name for that blueprint's requests only: move them there."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or set(manager._blueprint_limits) - {blueprint}:
        raise RuntimeError("limits outside the sign-in views need the limiter's app-wide hooks")

    def ours(hook: object) -> bool:
        if isinstance(hook, partial):
            return bool(hook.args) and hook.args[0] is limiter
        return getattr(hook, "__self__", None) is limiter

    registries: tuple[dict[str | None, list[Any]], ...] = (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    )
    for hooks in registries:
        app_wide = hooks.get(None, [])
        moved = [hook for hook in app_wide if ours(hook)]
        if len(moved) != 1:
            raise RuntimeError(f"expected one Flask-Limiter hook per kind, found {moved}")
        app_wide.remove(moved[0])
        hooks.setdefault(blueprint, []).append(moved[0])


def login_address() -> str:
    """Key sign-in attempts by the client's address."""
    return f"addr:{get_remote_address()}"


def login_account() -> str:
    """Key sign-in attempts by the e-mail they try (folded, so case does not open a second budget)."""
    return f"account:{request.form.get('email', '').strip().lower()[:320]}"
