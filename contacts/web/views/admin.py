"""Admin: users and roles with invitations, API tokens, webhooks with their delivery state, org settings,
the suppression list."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from contacts.auth import passwords
from contacts.auth import service as auth
from contacts.auth.models import ApiToken, User
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.config import settings_of
from contacts.db import get_session, utcnow
from contacts.errors import Conflict, ValidationFailed
from contacts.optouts import service as optouts
from contacts.optouts import suppression
from contacts.optouts.models import Suppression
from contacts.orgsettings import service as orgsettings
from contacts.orgsettings.schemas import OrgSettingsUpdate
from contacts.web.forms import (
    EmptyForm,
    InviteForm,
    OrgSettingsForm,
    SuppressionForm,
    SuppressionLookupForm,
    TokenForm,
    UserRoleForm,
)
from contacts.web.pages import actor, bp, org_id, page, principal
from contacts.webhooks.models import Webhook


def _invite_link(token: str) -> str:
    return url_for("web.accept_invitation", token=token, _external=True)


@bp.get("/admin/users")
@page("users:admin")
def admin_users() -> str:
    """List the organisation's users with their roles and pending invitations."""
    db = get_session()
    users = list(db.scalars(select(User).where(User.organization_id == org_id()).order_by(User.email)))
    return render_template(
        "admin_users.html",
        users=users,
        invite_form=InviteForm(),
        form=EmptyForm(),
        pending=passwords.pending_invitations(db, org_id()),
        role_forms={u.id: UserRoleForm(prefix=u.id, role=u.role, active=u.active) for u in users},
    )


@bp.post("/admin/users")
@page("users:admin")
def admin_invite() -> str | Response:
    """Add a user and show their one-time invitation link (valid 72 hours)."""
    db = get_session()
    form = InviteForm()
    if not form.validate_on_submit():
        raise ValidationFailed(
            "invalid invitation",
            errors=[
                {"field": name, "message": str(errors[0]), "code": "invalid"}
                for name, errors in form.errors.items()
            ],
        )
    role = auth.check_grantable(principal(), form.role.data or "sales")
    invited = auth.create_user(
        db, org_id(), email=form.email.data or "", name=(form.name.data or "").strip(), role=role
    )
    publish(
        db,
        Recorded(
            org_id=org_id(),
            actor_id=principal().user_id,
            entity=Entity.USER,
            ids=(invited.id,),
            operation=Operation.CREATED,
        ),
    )
    issued = passwords.invite(db, invited, invited_by=principal().user_id)
    return render_template(
        "admin_invited.html",
        invited=invited,
        link=_invite_link(issued.token),
        expires_at=issued.invitation.expires_at,
    )


@bp.post("/admin/users/<user_id>/invite")
@page("users:admin")
def admin_reinvite(user_id: str) -> str:
    """Issue a new invitation link for a user (earlier links stop working)."""
    db = get_session()
    invited = auth.get_user(db, org_id(), user_id)
    issued = passwords.invite(db, invited, invited_by=principal().user_id)
    return render_template(
        "admin_invited.html",
        invited=invited,
        link=_invite_link(issued.token),
        expires_at=issued.invitation.expires_at,
    )


@bp.post("/admin/users/<user_id>")
@page("users:admin")
def admin_user_update(user_id: str) -> Response:
    """Change a user's role or active flag; deactivating revokes their tokens and signs them out."""
    db = get_session()
    target = auth.get_user(db, org_id(), user_id)
    form = UserRoleForm(prefix=user_id)
    if not form.validate_on_submit():
        raise ValidationFailed(
            "invalid change",
            errors=[{"field": n, "message": str(e[0]), "code": "invalid"} for n, e in form.errors.items()],
        )
    role, active = auth.check_role(form.role.data or ""), bool(form.active.data)
    if target.id == principal().user_id and (not active or role != "admin"):
        raise Conflict(_("An admin cannot demote or deactivate themselves."))
    auth.update_user(db, principal(), target, role=role, active=active)
    flash(_("Saved."))
    return redirect(url_for("web.admin_users"))


@bp.get("/admin/tokens")
@page("tokens:admin")
def admin_tokens() -> str:
    """List the organisation's live API tokens."""
    db = get_session()
    rows = list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.organization_id == org_id(), ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )
    users = {u.id: u for u in db.scalars(select(User).where(User.organization_id == org_id()))}
    return render_template(
        "admin_tokens.html", rows=rows, users=users, token_form=TokenForm(), form=EmptyForm(), created=None
    )


@bp.post("/admin/tokens")
@page("tokens:admin")
def admin_token_create() -> str:
    """Create an API token for oneself; its secret is shown on this page only."""
    db = get_session()
    form = TokenForm()
    if not form.validate_on_submit():
        raise ValidationFailed(
            "invalid token",
            errors=[{"field": n, "message": str(e[0]), "code": "invalid"} for n, e in form.errors.items()],
        )
    me = auth.get_user(db, org_id(), principal().user_id)
    issued = auth.issue_token(db, me, name=(form.name.data or "").strip())
    publish(
        db,
        Recorded(
            org_id=org_id(),
            actor_id=me.id,
            entity=Entity.TOKEN,
            ids=(issued.token.id,),
            operation=Operation.CREATED,
        ),
    )
    return render_template(
        "admin_tokens.html", rows=[], users={}, token_form=TokenForm(), form=EmptyForm(), created=issued
    )


@bp.post("/admin/tokens/<token_id>/revoke")
@page("tokens:admin")
def admin_token_revoke(token_id: str) -> Response:
    """Revoke a token: it fails on its next request."""
    db = get_session()
    token = auth.get_token(db, org_id(), token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        publish(
            db,
            Recorded(
                org_id=org_id(),
                actor_id=principal().user_id,
                entity=Entity.TOKEN,
                ids=(token.id,),
                operation=Operation.REVOKED,
            ),
        )
    flash(_("Token revoked."))
    return redirect(url_for("web.admin_tokens"))


@bp.get("/admin/webhooks")
@page("webhooks:admin")
def admin_webhooks() -> str:
    """List webhooks with their delivery state."""
    rows = list(
        get_session().scalars(select(Webhook).where(Webhook.organization_id == org_id()).order_by(Webhook.id))
    )
    return render_template("admin_webhooks.html", rows=rows)


@bp.route("/admin/settings", methods=["GET", "POST"])
@page("org:admin")
def admin_settings() -> str | Response | tuple[str, int]:
    """Show the organisation's settings and let an admin change them (the same service as the API)."""
    db = get_session()
    current = orgsettings.settings_out(db, org_id(), settings_of(current_app).review_threshold)
    form = OrgSettingsForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        orgsettings.update_settings(
            db,
            actor(),
            OrgSettingsUpdate(
                review_threshold=form.review_threshold.data,
                learn_corrections=bool(form.learn_corrections.data),
            ),
        )
        flash(_("The organisation's settings are saved."))
        return redirect(url_for("web.admin_settings"))
    return render_template("admin_settings.html", form=form, current=current), 422 if form.errors else 200


#: How many suppressions the page lists (newest first); a lookup finds any one.
SUPPRESSIONS_SHOWN = 200


@bp.route("/admin/suppressions", methods=["GET", "POST"])
@page("privacy:admin")
def admin_suppressions() -> str | Response | tuple[str, int]:
    """The suppression list: look an identifier up, add one at someone's request, forget one."""
    db = get_session()
    form = SuppressionForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            _row, new = optouts.suppress_identifier(
                db,
                actor(),
                form.kind.data or "email",
                form.value.data or "",
                [form.channel.data or "all"],
                note=(form.note.data or "").strip() or None,
            )
        except ValidationFailed as e:
            form.value.errors = [str(e)]
        else:
            flash(
                _("Added to the suppression list.")
                if new
                else _("Already on the list; its channels are updated.")
            )
            return redirect(url_for("web.admin_suppressions"))
    lookup = SuppressionLookupForm(request.args, prefix="lookup", meta={"csrf": False})
    found: list[Suppression] | None = None
    if "lookup-value" in request.args and lookup.validate():
        try:
            where = suppression.of_identifier(org_id(), lookup.kind.data or "email", lookup.value.data or "")
        except ValidationFailed as e:
            lookup.value.errors = [str(e)]
        else:
            found = list(db.scalars(select(Suppression).where(where)))
    rows = list(
        db.scalars(
            select(Suppression)
            .where(Suppression.organization_id == org_id())
            .order_by(Suppression.created_at.desc(), Suppression.id.desc())
            .limit(SUPPRESSIONS_SHOWN)
        )
    )
    html = render_template(
        "admin_suppressions.html", rows=rows, form=form, lookup=lookup, found=found, button=EmptyForm()
    )
    return (html, 422) if form.errors or lookup.errors else html


@bp.post("/admin/suppressions/<suppression_id>/delete")
@page("privacy:admin")
def admin_suppression_delete(suppression_id: str) -> Response:
    """Forget a suppression: the identifier may be contacted again (contacts' opt-outs stay)."""
    db = get_session()
    suppression.delete(db, actor(), suppression.get(db, org_id(), suppression_id))
    flash(_("Removed from the suppression list."))
    return redirect(url_for("web.admin_suppressions"))
