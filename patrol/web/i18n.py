"""The console's languages: Simplified Chinese by default, English by choice.

Flask-Babel (the Flask world's gettext binding) with the message catalogues
kept in the repository, ``patrol/web/translations/<locale>/LC_MESSAGES/
messages.po`` and the compiled ``messages.mo`` beside it (both committed;
``scripts/i18n`` re-extracts, updates and compiles them, and
tests/web/test_i18n.py fails when a string of a template or of the console's
Python code has no translation or a ``.mo`` is older than its ``.po``).

The language is the account's choice (``locale`` on the user record, set on
the language form in the header); before login, the session's choice; else
Chinese. Names of the store's fixed values (categories, statuses, verdicts,
kinds, reasons) are in the campaign's own words: see ``LABELS``.
"""

from __future__ import annotations

from pathlib import Path

from flask import g, request, session
from flask_babel import Babel, get_locale, lazy_gettext as _l

LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LOCALE_NAMES = {"zh_Hans": "中文", "en": "English"}
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    # The JSON API answers in English whatever the account chose: its readers are programs.
    if request.path.startswith("/api/"):
        return "en"
    user = g.get("user")
    if user and user.get("locale") in LOCALES:
        return user["locale"]
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    loc = get_locale()
    return str(loc) if loc is not None else DEFAULT_LOCALE


def html_lang() -> str:
    return "en" if current_locale() == "en" else "zh-CN"


# The campaign's words for the store's fixed values. The msgids are the English
# names (the en catalogue keeps them); zh_Hans gives the notice's terms.
LABELS: dict[str, dict[str, object]] = {
    "category": {
        "vulgar": _l("Vulgar content"),
        "unlicensed_publication": _l("Illegal publications / unlicensed selling"),
        "fake_media": _l("Fake media and fake reporters / paid post deletion"),
    },
    "status": {
        "pending": _l("Pending"),
        "in_review": _l("In review"),
        "confirmed": _l("Confirmed"),
        "dismissed": _l("Dismissed"),
        "escalated": _l("Escalated"),
    },
    "decision": {  # the verdict an analyst records
        "confirmed": _l("Confirm"),
        "dismissed": _l("Dismiss"),
        "escalated": _l("Escalate"),
    },
    "verdict": {  # the classifier's proposal, and an analyst's verdict in the history
        "review": _l("needs review"),
        "block": _l("block"),
        "pass": _l("pass"),
        "confirmed": _l("Confirmed"),
        "dismissed": _l("Dismissed"),
        "escalated": _l("Escalated"),
    },
    "role": {"analyst": _l("analyst"), "lead": _l("lead")},
    "recheck": {  # 整改复查
        "pending": _l("re-check pending"), "removed": _l("removed"),
        "still_online": _l("still online"), "changed": _l("changed"), "unreachable": _l("unreachable"),
    },
    "app_sort": {
        "-downloads": _l("most downloads"), "downloads": _l("fewest downloads"),
        "-minor_score": _l("most relevant to minors"), "name": _l("name"),
        "-last_seen": _l("last seen"), "-first_seen": _l("first seen"),
    },
    "chain": {
        "capture": _l("capture"), "decision": _l("decision"), "takedown": _l("takedown"),
        "recheck": _l("re-check"), "timestamp": _l("timestamp"),
    },
    "outcome": {
        "running": _l("running"), "ok": _l("ok"), "failed": _l("failed"),
        "partial": _l("partial"), "stopped": _l("stopped"),
    },
    "field": {  # item fields, evidence fields and history entry keys
        "text": _l("text"), "title": _l("title"), "snippet": _l("snippet"),
        "name": _l("name"), "developer": _l("developer"), "age_rating": _l("age rating"),
        "downloads": _l("downloads"), "shop_name": _l("shop name"), "seller": _l("seller"),
        "licence": _l("licence"), "sells_publications": _l("sells publications"),
        "outlet": _l("outlet"), "byline": _l("byline"), "published": _l("published"),
        "licence_claim": _l("licence claimed"), "contact": _l("contact"),
        "score": _l("score"), "content_hash": _l("content hash"), "model_version": _l("model version"),
        "reason": _l("reason"), "note": _l("note"), "verdict": _l("verdict"), "forced": _l("forced"),
        "previous_status": _l("previous status"), "previous_decision": _l("previous decision"),
        "previous_holder": _l("previous holder"), "analyst": _l("analyst"),
        "lease_until": _l("lease until"), "status": _l("status"), "category": _l("category"),
    },
    "kind": {
        "app": _l("App"),
        "shop": _l("Shop"),
        "news": _l("News"),
        "page": _l("Web page"),
    },
    "action": {  # history entries
        "raised": _l("raised"),
        "refreshed": _l("refreshed"),
        "claimed": _l("claimed"),
        "released": _l("released"),
        "decided": _l("decided"),
        "reopened": _l("reopened"),
        "reassigned": _l("reassigned"),
        "updated": _l("updated"),
        "renewed": _l("lease renewed"),
    },
}


def label(kind: str, value) -> str:
    """The shown name of a stored value; an unknown value is shown as stored."""
    if value is None:
        return ""
    name = LABELS.get(kind, {}).get(value)
    return str(name) if name is not None else str(value)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS),
                   default_locale=DEFAULT_LOCALE)
    app.jinja_env.filters["label"] = lambda value, kind: label(kind, value)
    app.jinja_env.globals.update(html_lang=html_lang, current_locale=current_locale,
                                 LOCALE_NAMES=LOCALE_NAMES, LOCALES=LOCALES)
