"""Marshmallow schemas of the JSON API; APIFlask turns them into the OpenAPI
document at /api/openapi.json and validates requests against them."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from patrol.store.base import CATEGORIES, DECISIONS, KINDS, STATUSES
from patrol.web.forms import SORTS
from patrol.web.passwords import MAX_PASSWORD
from patrol.web.render import REASON_LABELS


class TokenIn(Schema):
    username = String(required=True, validate=Length(1, 64))
    password = String(required=True, validate=Length(1, MAX_PASSWORD))


class TokenOut(Schema):
    token = String(metadata={"description": "Send as 'Authorization: Bearer <token>'; valid 30 days "
                                            "or until the password changes."})
    username = String()
    role = String()


class Me(Schema):
    username = String()
    role = String()
    auth = String(metadata={"description": "'session' or 'token'"})


class FlagQuery(Schema):
    category = String(validate=OneOf(CATEGORIES))
    status = String(validate=OneOf(STATUSES))
    kind = String(validate=OneOf(KINDS))
    source = String(validate=Length(1, 200))
    min_score = Float(validate=Range(0, 1))
    max_score = Float(validate=Range(0, 1))
    since = Date(metadata={"description": "first day (office time zone) of created_at"})
    until = Date(metadata={"description": "last day (office time zone) of created_at"})
    sort = String(load_default="-priority", validate=OneOf([s for s, _ in SORTS]))
    skip = Integer(load_default=0, validate=Range(0))
    limit = Integer(load_default=50, validate=Range(1, 500))


class Claim(Schema):
    analyst = String()
    lease_until = DateTime()


class Decision(Schema):
    verdict = String()
    reason = String()
    note = String()
    analyst = String()
    at = DateTime()


class Flag(Schema):
    id = String()
    url = String()
    category = String()
    source = String()
    kind = String()
    title = String(metadata={"description": "crawled text: escape before display"})
    content_hash = String()
    score = Float()
    priority = Float()
    verdict = String(metadata={"description": "the classifier's proposal: review or block"})
    evidence = Dict(metadata={"description": "terms, rules, features, snippet"})
    model_version = String()
    status = String()
    claim = Nested(Claim, allow_none=True)
    decision = Nested(Decision, allow_none=True)
    history = List(Dict(), metadata={"description": "append-only audit trail"})
    recheck = Dict(allow_none=True, metadata={"description": "takedown request and re-checks after it "
                                                             "(docs/evidence.md); absent before a takedown"})
    created_at = DateTime()
    updated_at = DateTime()


class FlagPage(Schema):
    flags = List(Nested(Flag))
    total = Integer()
    skip = Integer()
    limit = Integer()


class NextIn(Schema):
    category = String(validate=OneOf(CATEGORIES))
    source = String(validate=Length(1, 200))
    kind = String(validate=OneOf(KINDS))


class FlagOut(Schema):
    # Every answer wraps its flag, so the OpenAPI document defines Flag once
    # (APIFlask would otherwise register it both as an output and as nested).
    flag = Nested(Flag, allow_none=True,
                  metadata={"description": "null from /api/next when nothing is left"})


class DecideIn(Schema):
    verdict = String(required=True, validate=OneOf(DECISIONS))
    reason = String(required=True, validate=OneOf(list(REASON_LABELS)),
                    metadata={"description": "a reason code of the verdict (see the console's form)"})
    note = String(load_default="", validate=Length(max=2000))


class ReopenIn(Schema):
    note = String(load_default="", validate=Length(max=2000))


class ReassignIn(Schema):
    analyst = String(required=True, validate=Length(1, 64))


class Stats(Schema):
    total = Integer()
    by_category = Dict(keys=String(), values=Integer())
    by_status = Dict(keys=String(), values=Integer())
    by_source = Dict(keys=String(), values=Integer())
    by_day = Dict(keys=String(), values=Integer())
    apps = Integer()
    apps_minor = Integer()
