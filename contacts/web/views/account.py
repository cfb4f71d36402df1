"""Sign in and out, accept an invitation, personal settings."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from contacts.auth import passwords
from contacts.config import settings_of
from contacts.db import get_session, utcnow
from contacts.web import locale
from contacts.web.extensions import limiter, login_account, login_address
from contacts.web.forms import EmptyForm, SetPasswordForm, SettingsForm, SignInForm
from contacts.web.pages import (
    SESSION_FINGERPRINT,
    bp,
    can,
    current_user,
    fingerprint,
    page,
    render_error,
    safe_next,
    sign_in_session,
    user,
)


def _login_limit() -> str:
    return settings_of(current_app).login_limit


def home_url() -> str:
    """Return where a signed-in user starts: the review queue for card reviewers, else people."""
    return url_for("web.review_queue") if can("cards:write") else url_for("web.people_list")


@bp.get("/")
def home() -> Response:
    """Send a visitor to sign in, and a signed-in user to their start page."""
    if current_user() is None:
        return redirect(url_for("web.login"))
    return redirect(home_url())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_address, methods=["POST"], scope="login-address")
@limiter.limit(_login_limit, key_func=login_account, methods=["POST"], scope="login-account")
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; sign in with e-mail and password."""
    form = SignInForm()
    if form.validate_on_submit():
        db = get_session()
        found = passwords.sign_in(db, form.email.data or "", form.password.data or "")
        db.commit()  # a rehashed password is kept
        if found is not None:
            sign_in_session(found)
            return redirect(safe_next(request.args.get("next"), url_for("web.home")))
        return render_template("login.html", form=form, failed=True), 401
    return render_template("login.html", form=form, failed=False)


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("web.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_address, methods=["POST"], scope="invite-address")
def accept_invitation(token: str) -> Response | str | tuple[str, int]:
    """Let an invited user set a password (the link works once, for 72 hours)."""
    db = get_session()
    _invitation, invited, org = passwords.open_invitation(db, token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        accepted = passwords.accept_invitation(db, token, form.password.data or "")
        db.commit()
        sign_in_session(accepted)
        flash(_("Welcome! Your password is set."))
        return redirect(home_url())
    return render_template("invite.html", form=form, invited=invited, org=org)


@bp.route("/settings", methods=["GET", "POST"])
@page()
def settings() -> Response | str | tuple[str, int]:
    """Change one's name, language, time zone and password."""
    me = user()
    form = SettingsForm(obj=me if request.method == "GET" else None)
    password_form = SetPasswordForm(prefix="pw")
    if request.method == "GET":
        form.locale.data = me.locale or ""
        form.time_zone.data = me.time_zone or locale.DEFAULT_TIME_ZONE
    elif "pw-password" in request.form:
        if password_form.validate_on_submit():
            passwords.set_password(me, password_form.password.data or "")
            session[SESSION_FINGERPRINT] = fingerprint(me)
            flash(_("Your password is changed."))
            return redirect(url_for("web.settings"))
    elif form.validate_on_submit():
        zone = (form.time_zone.data or "").strip() or None
        if zone is not None and not locale.known_time_zone(zone):
            return render_error(422, _("Unknown time zone: %(zone)s", zone=zone))
        me.name = (form.name.data or "").strip()
        me.locale = form.locale.data or None
        me.time_zone = zone
        me.version += 1
        me.updated_at = utcnow()
        flash(_("Your settings are saved."))
        return redirect(url_for("web.settings"))
    return render_template("settings.html", form=form, password_form=password_form, logout_form=EmptyForm())
