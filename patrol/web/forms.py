"""WTForms forms of the console (flask-wtf adds the CSRF token to each POST form)."""

from __future__ import annotations

import datetime as _dt

from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from patrol.store.base import CATEGORIES, DECISIONS, KINDS, STATUSES
from patrol.store.rechecks import RECHECK_STATUSES
from patrol.web.passwords import MAX_PASSWORD
from patrol.web.i18n import LABELS, label
from patrol.web.render import NOTE_REQUIRED, REASON_CODES, reason_label, reason_valid

try:  # WTForms 3.3 deprecates (value, label) tuples for choices
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # pragma: no cover - older WTForms
    def choice(value, label):
        return (value, label)

SORTS = (("-priority", _l("priority")), ("-score", _l("score")), ("-created_at", _l("newest")),
         ("created_at", _l("oldest")), ("-updated_at", _l("recently updated")))


def _choices(kind: str, values) -> list:
    return [choice("", _l("any"))] + [choice(v, LABELS[kind].get(v, v)) for v in values]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ActionForm(FlaskForm):
    """A button that changes state (claim, release, next): only the CSRF token."""


class FilterForm(FlaskForm):
    """The queue's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), choices=_choices("category", CATEGORIES), default="")
    status = SelectField(_l("Status"), choices=_choices("status", STATUSES), default="")
    kind = SelectField(_l("Kind"), choices=_choices("kind", KINDS), default="")
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    recheck = SelectField(_l("Re-check"), choices=_choices("recheck", RECHECK_STATUSES), default="")
    source = StringField(_l("Source contains"), validators=[Optional(), Length(max=200)])
    url = StringField(_l("Address contains"), validators=[Optional(), Length(max=500)])
    min_score = FloatField(_l("Score from"), validators=[Optional(), NumberRange(0, 1)])
    max_score = FloatField(_l("to"), validators=[Optional(), NumberRange(0, 1)])
    since = DateField(_l("Raised from"), validators=[Optional()])
    until = DateField(_l("to"), validators=[Optional()])
    sort = SelectField(_l("Sort"), choices=[choice(v, text) for v, text in SORTS], default="-priority")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(gettext("must not be before the start date"))

    def error_line(self) -> str:
        """All errors as one line naming each field."""
        return "; ".join(f"{self[name].label.text}: {' '.join(errs)}"
                         for name, errs in self.errors.items())


class DecisionForm(FlaskForm):
    verdict = SelectField(_l("Verdict"), choices=[choice(d, LABELS["decision"][d]) for d in DECISIONS])
    reason = SelectField(_l("Reason"), choices=[choice("", _l("default for the verdict"))] + [
        choice(code, text) for codes in REASON_CODES.values() for code, text in codes], default="")
    # No Optional(): it would stop the chain before validate_note sees an empty note.
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def validate_reason(self, field):
        # The analyst's words, not the codes: "“许可证有效” 不是 “确认” 的理由".
        if field.data and not reason_valid(self.verdict.data, field.data):
            raise ValidationError(gettext(
                "“%(reason)s” is not a reason to %(verdict)s; pick one listed under %(verdict)s",
                reason=reason_label(field.data), verdict=label("decision", self.verdict.data)))

    def validate_note(self, field):
        if self.reason.data in NOTE_REQUIRED and not (field.data or "").strip():
            raise ValidationError(gettext("the reason “%(reason)s” needs a note saying why",
                                          reason=reason_label(self.reason.data)))


class TakedownForm(FlaskForm):
    """A confirmed case's takedown request: to whom, the day (office time), a note."""
    to = StringField(_l("Requested from"), validators=[DataRequired(), Length(max=200)])
    date = DateField(_l("On"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReopenForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class SaveFilterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    query = StringField(_l("Filter"), validators=[Length(max=2000)])


class BulkForm(FlaskForm):
    """A lead's action on the selected flags of the queue."""
    action = SelectField(_l("Action"), choices=[choice("dismissed", _l("Dismiss")),
                                                choice("escalated", _l("Escalate")),
                                                choice("reassign", _l("Reassign"))])
    reason = SelectField(_l("Reason"), choices=[choice("", _l("default for the verdict"))] + [
        choice(code, text) for verdict in ("dismissed", "escalated")
        for code, text in REASON_CODES[verdict]], default="")
    analyst = SelectField(_l("Analyst"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class ReassignForm(FlaskForm):
    analyst = SelectField(_l("Analyst"), choices=[], validate_choice=True)


def day_bounds(since: _dt.date | None, until: _dt.date | None, tz) -> tuple[_dt.datetime | None, _dt.datetime | None]:
    """Office-time dates to UTC bounds: ``since`` from its midnight, ``until``
    through the end of its day."""
    start = end = None
    if since:
        start = _dt.datetime.combine(since, _dt.time(), tz).astimezone(_dt.timezone.utc)
    if until:
        end = _dt.datetime.combine(until + _dt.timedelta(days=1), _dt.time(), tz).astimezone(_dt.timezone.utc)
    return start, end
