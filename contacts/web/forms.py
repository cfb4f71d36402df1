"""The web app's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import NumberInput

from contacts.auth.models import ROLES
from contacts.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("As my browser")),
            SelectChoice("ja", "日本語"),
            SelectChoice("en", "English"),
        ],
    )
    time_zone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=320)]
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, r) for r in ROLES], default="sales")


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, r) for r in ROLES])
    active = BooleanField(_l("Active"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=200)])


class TouchpointForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("meeting", _l("Meeting")),
            SelectChoice("call", _l("Call")),
            SelectChoice("email", _l("E-mail")),
            SelectChoice("visit", _l("Visit")),
            SelectChoice("other", _l("Other")),
        ],
    )
    occurred_at = DateTimeLocalField(_l("When"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    location = StringField(_l("Where"), validators=[Optional(), Length(max=500)])
    summary = TextAreaField(_l("What"), validators=[Optional(), Length(max=5000)])


THRESHOLD_MESSAGE = _l("Enter a number from 0 to 1, or leave the field empty for the default.")


class ThresholdField(FloatField):
    """A confidence from 0 to 1 in steps of 0.01; empty means the deployment default."""

    widget = NumberInput(step="0.01")

    def process_formdata(self, valuelist: list[str]) -> None:
        """Parse the number, with the field's own message when it is not one."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(THRESHOLD_MESSAGE)) from None


class OrgSettingsForm(FlaskForm):
    review_threshold = ThresholdField(
        _l("Review threshold"),
        validators=[Optional(), NumberRange(min=0.0, max=1.0, message=THRESHOLD_MESSAGE)],
    )
    learn_corrections = BooleanField(_l("Learn from reviewers' corrections"))


class SuppressionForm(FlaskForm):
    kind = SelectField(
        _l("Identifier"), choices=[SelectChoice("email", _l("E-mail")), SelectChoice("phone", _l("Phone"))]
    )
    value = StringField(_l("E-mail address or phone number"), validators=[DataRequired(), Length(max=320)])
    channel = SelectField(
        _l("Channel"),
        choices=[
            SelectChoice("all", _l("All channels")),
            SelectChoice("email", _l("E-mail")),
            SelectChoice("phone", _l("Phone")),
            SelectChoice("postal_mail", _l("Postal mail")),
        ],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])


class SuppressionLookupForm(FlaskForm):
    """GET /admin/suppressions?lookup-kind=&lookup-value=: is this identifier on the list? (a query, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Identifier"), choices=[SelectChoice("email", _l("E-mail")), SelectChoice("phone", _l("Phone"))]
    )
    value = StringField(_l("E-mail address or phone number"), validators=[DataRequired(), Length(max=320)])


class EmptyForm(FlaskForm):
    """A form of buttons only: it carries the CSRF token."""
