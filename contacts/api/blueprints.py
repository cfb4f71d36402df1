"""Every domain blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    """Import and register the API blueprints (imports happen here, not at module import)."""
    from contacts.auth.api import bp as auth_bp
    from contacts.cards.api import bp as cards_bp
    from contacts.changelog.api import bp as changes_bp
    from contacts.companies.api import bp as companies_bp
    from contacts.corrections.api import bp as corrections_bp
    from contacts.dedup.api import bp as dedup_bp
    from contacts.events.api import bp as events_bp
    from contacts.orgsettings.api import bp as orgsettings_bp
    from contacts.people.api import bp as contacts_bp
    from contacts.privacy.api import bp as privacy_bp
    from contacts.tags.api import bp as tags_bp
    from contacts.touchpoints.api import bp as touchpoints_bp
    from contacts.webhooks.api import bp as webhooks_bp

    _register_path_models()
    for bp in (auth_bp, contacts_bp, companies_bp, cards_bp, tags_bp, events_bp, touchpoints_bp, dedup_bp,
               changes_bp, privacy_bp, webhooks_bp, orgsettings_bp, corrections_bp):
        app.register_blueprint(bp)


def _register_path_models() -> None:
    """Name the model behind every id-carrying path argument, so other organisations' ids answer 404."""
    from contacts import models
    from contacts.api.spec import register_path_model

    for arg, model in {
        "contact_id": models.Contact, "company_id": models.Company, "tag_id": models.Tag,
        "event_id": models.Event, "campaign_id": models.Campaign, "touchpoint_id": models.Touchpoint,
        "user_id": models.User, "token_id": models.ApiToken, "card_id": models.Card,
        "candidate_id": models.DuplicateCandidate, "merge_id": models.MergeOperation,
        "webhook_id": models.Webhook, "correction_id": models.FieldCorrection,
    }.items():
        register_path_model(arg, model)
