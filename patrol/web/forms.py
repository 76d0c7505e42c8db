"""WTForms forms of the console (flask-wtf adds the CSRF token to each POST form)."""

from __future__ import annotations

import datetime as _dt

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from patrol.store.base import CATEGORIES, DECISIONS, KINDS, STATUSES
from patrol.store.rechecks import RECHECK_STATUSES
from patrol.web.passwords import MAX_PASSWORD
from patrol.web.render import REASON_CODES, reason_valid

try:  # WTForms 3.3 deprecates (value, label) tuples for choices
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # pragma: no cover - older WTForms
    def choice(value, label):
        return (value, label)

SORTS = (("-priority", "priority"), ("-score", "score"), ("-created_at", "newest"),
         ("created_at", "oldest"), ("-updated_at", "recently updated"))


def _choices(values) -> list:
    return [choice("", "any")] + [choice(v, v.replace("_", " ")) for v in values]


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ActionForm(FlaskForm):
    """A button that changes state (claim, release, next): only the CSRF token."""


class FilterForm(FlaskForm):
    """The queue's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField("Category", choices=_choices(CATEGORIES), default="")
    status = SelectField("Status", choices=_choices(STATUSES), default="")
    kind = SelectField("Kind", choices=_choices(KINDS), default="")
    recheck = SelectField("Re-check", choices=_choices(RECHECK_STATUSES), default="")
    source = StringField("Source", validators=[Optional(), Length(max=200)])
    min_score = FloatField("Score from", validators=[Optional(), NumberRange(0, 1)])
    max_score = FloatField("to", validators=[Optional(), NumberRange(0, 1)])
    since = DateField("Raised from", validators=[Optional()])
    until = DateField("to", validators=[Optional()])
    sort = SelectField("Sort", choices=[choice(v, label) for v, label in SORTS], default="-priority")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("must not be before the start date")

    def error_line(self) -> str:
        """All errors as one line naming each field."""
        return "; ".join(f"{self[name].label.text}: {' '.join(errs)}"
                         for name, errs in self.errors.items())


class DecisionForm(FlaskForm):
    verdict = SelectField("Verdict", choices=[choice(d, d) for d in DECISIONS])
    reason = SelectField("Reason", choices=[choice("", "default for the verdict")] + [
        choice(code, label) for codes in REASON_CODES.values() for code, label in codes], default="")
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])

    def validate_reason(self, field):
        if field.data and not reason_valid(self.verdict.data, field.data):
            raise ValidationError(f"{field.data!r} is not a reason for {self.verdict.data!r}")


class TakedownForm(FlaskForm):
    """A confirmed case's takedown request: to whom, the day (office time), a note."""
    to = StringField("Requested from", validators=[DataRequired(), Length(max=200)])
    date = DateField("On", validators=[Optional()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class ReopenForm(FlaskForm):
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class ReassignForm(FlaskForm):
    analyst = SelectField("Analyst", choices=[], validate_choice=True)


def day_bounds(since: _dt.date | None, until: _dt.date | None, tz) -> tuple[_dt.datetime | None, _dt.datetime | None]:
    """Office-time dates to UTC bounds: ``since`` from its midnight, ``until``
    through the end of its day."""
    start = end = None
    if since:
        start = _dt.datetime.combine(since, _dt.time(), tz).astimezone(_dt.timezone.utc)
    if until:
        end = _dt.datetime.combine(until + _dt.timedelta(days=1), _dt.time(), tz).astimezone(_dt.timezone.utc)
    return start, end
