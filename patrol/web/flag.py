"""One flag: the evidence page, claim/release, the decision, and the lead's
re-open and reassign; the screenshot route."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template,
                   send_file, send_from_directory, url_for)
from flask_babel import gettext as _

from patrol.cases import on_decided
from patrol.web.app import get_store
from patrol.web.auth import lead_required, login_required
from patrol.web.forms import ActionForm, DecisionForm, ReassignForm, ReopenForm, TakedownForm, choice
from patrol.web.i18n import label
from patrol.web.render import default_reason, fmt_dt, lease_live

log = logging.getLogger(__name__)

bp = Blueprint("flag", __name__, url_prefix="/flags")


def _reassign_form(flag: dict) -> ReassignForm:
    form = ReassignForm(prefix="reassign")
    form.analyst.choices = [choice(u["username"], f"{u['username']} ({label('role', u['role'])})")
                            for u in get_store().list_users()]
    return form


def _rules(evidence: dict) -> list[dict]:
    """Rule hits as {"check", "reason"} (the classifier writes "rule" or "check")."""
    return [{"check": r.get("rule") or r.get("check") or "", "reason": r.get("reason") or ""}
            for r in evidence.get("rules") or [] if isinstance(r, dict)]


def _features(evidence: dict) -> list[tuple[str, object]]:
    """Top model features as (name, weight): [name, weight] pairs or {"feature", "weight"}."""
    out = []
    for f in evidence.get("features") or []:
        if isinstance(f, dict):
            out.append((str(f.get("feature", "")), f.get("weight")))
        elif isinstance(f, (list, tuple)) and len(f) == 2:
            out.append((str(f[0]), f[1]))
    return out


def _lease_live(claim: dict) -> bool:
    return lease_live(claim.get("lease_until"))


def _page(flag_id: str, *, decision: DecisionForm | None = None, status: int = 200):
    store = get_store()
    flag = store.get_flag(flag_id)
    item = store.get_item(flag["url"]) or {}
    evidence = flag.get("evidence") or {}
    terms = [t for t in evidence.get("terms") or [] if isinstance(t, dict)]
    user = g.user["username"]
    claim = flag.get("claim") or {}
    context = {
        "flag": flag, "item": item, "evidence": evidence, "terms": terms,
        "rules": _rules(evidence), "features": _features(evidence),
        "holder": claim.get("analyst"), "mine": claim.get("analyst") == user,
        "lease_live": _lease_live(claim),
        "renew_seconds": current_app.config.get("PATROL_LEASE_RENEW_SECONDS", 120),
        "is_open": flag["status"] in ("pending", "in_review"),
        "decision_form": decision or DecisionForm(prefix="decide"),
        "reopen_form": ReopenForm(prefix="reopen"), "action": ActionForm(),
        "reassign_form": _reassign_form(flag) if g.user.get("role") == "lead" else None,
        "hashes": list(reversed(item.get("hashes") or [])),
        "history": list(reversed(flag.get("history") or [])),
        "has_screenshot": _screenshot_path(item) is not None,
        "chain": _chain(store, flag_id),
        "takedown_form": TakedownForm(prefix="takedown"),
    }
    return render_template("flag.html", **context), status


@bp.route("/<flag_id>")
@login_required
def show(flag_id: str):
    return _page(flag_id)


@bp.route("/<flag_id>/claim", methods=["POST"])
@login_required
def claim(flag_id: str):
    get_store().claim(flag_id, g.user["username"])
    return redirect(url_for("flag.show", flag_id=flag_id))


@bp.route("/<flag_id>/renew", methods=["POST"])
@login_required
def renew(flag_id: str):
    """The flag page's ping while it stays open: renews the analyst's lease
    (Store.claim renews a lease its holder has). 409 with a message in the
    analyst's language when the lease was lost (taken by someone else after
    it ran out, reassigned, decided or released)."""
    from flask import jsonify

    store, user = get_store(), g.user["username"]
    flag = store.get_flag(flag_id)
    claim = flag.get("claim") or {}
    if flag["status"] != "in_review" or claim.get("analyst") != user:
        holder = claim.get("analyst")
        if flag["status"] not in ("pending", "in_review"):
            why = _("the flag was decided meanwhile (%(status)s).", status=label("status", flag["status"]))
        elif holder:
            why = _("%(who)s holds it now.", who=holder)
        else:
            why = _("it went back to the queue.")
        return jsonify({"lost": True, "message": _("Your lease on this flag was lost: %(why)s "
                                                   "Reload the page before deciding.", why=why)}), 409
    flag = store.claim(flag_id, user)
    until = flag["claim"]["lease_until"]
    return jsonify({"lost": False, "lease_until": until,
                    "text": _("held by %(who)s until %(until)s", who=user, until=fmt_dt(until))})


@bp.route("/<flag_id>/release", methods=["POST"])
@login_required
def release(flag_id: str):
    get_store().release(flag_id, g.user["username"])
    flash(_("Released back to the queue."), "info")
    return redirect(url_for("queue.index"))


@bp.route("/<flag_id>/decide", methods=["POST"])
@login_required
def decide(flag_id: str):
    form = DecisionForm(prefix="decide")
    if not form.validate():
        flash(_("Decision not saved:") + " " + "; ".join(f"{form[k].label.text}: {' '.join(map(str, v))}"
                                                         for k, v in form.errors.items()), "error")
        return _page(flag_id, decision=form, status=400)
    store = get_store()
    reason = form.reason.data or default_reason(form.verdict.data, store.get_flag(flag_id)["category"])
    flag = store.decide(flag_id, g.user["username"], form.verdict.data, reason, (form.note.data or "").strip())
    on_decided(store, flag)  # a dismissed flag's identifiers go, and it leaves its case
    _chain_decision(store, flag)
    log.info("%s decided %s: %s (%s)", g.user["username"], flag_id, form.verdict.data, reason)
    flash(_("Decision saved: %(verdict)s.", verdict=label("status", form.verdict.data)), "info")
    return redirect(url_for("flag.show", flag_id=flag_id))


@bp.route("/<flag_id>/takedown", methods=["POST"])
@login_required
def takedown(flag_id: str):
    """Mark a confirmed case "takedown requested" (lead or analyst); its
    re-checks fall due after PATROL_RECHECK_AFTER days and at 30 days."""
    from patrol.errors import PatrolError
    from patrol.evidence import recheck
    form = TakedownForm(prefix="takedown")
    if not form.validate():
        abort(400, _("Takedown not saved:") + " " + "; ".join(
            f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    try:
        flag = recheck.request(get_store(), flag_id, to=form.to.data.strip(), by=g.user["username"],
                               date=form.date.data.isoformat() if form.date.data else None,
                               note=(form.note.data or "").strip())
    except PatrolError as exc:
        abort(400, str(exc))
    from patrol.web.render import fmt_dt
    flash(_("Takedown requested from %(to)s; first re-check due %(due)s.",
            to=flag["recheck"]["takedown"]["to"], due=fmt_dt(flag["recheck"]["next_due"], with_time=False)),
          "info")
    return redirect(url_for("flag.show", flag_id=flag_id))


@bp.route("/<flag_id>/reopen", methods=["POST"])
@lead_required
def reopen(flag_id: str):
    form = ReopenForm(prefix="reopen")
    if not form.validate():
        abort(400, _("Note:") + " " + " ".join(map(str, form.note.errors)))
    get_store().reopen(flag_id, g.user["username"], (form.note.data or "").strip())
    flash(_("Re-opened: back in the queue."), "info")
    return redirect(url_for("flag.show", flag_id=flag_id))


@bp.route("/<flag_id>/reassign", methods=["POST"])
@lead_required
def reassign(flag_id: str):
    form = _reassign_form({})
    if not form.validate():
        abort(400, _("Analyst:") + " " + " ".join(map(str, form.analyst.errors)))
    get_store().reassign(flag_id, g.user["username"], form.analyst.data)
    flash(_("Handed to %(who)s.", who=form.analyst.data), "info")
    return redirect(url_for("flag.show", flag_id=flag_id))


def _screenshot_path(item: dict) -> Path | None:
    """The item's screenshot if it is a PNG file inside PATROL_DATA_DIR/screenshots."""
    raw = item.get("screenshot")
    if not raw or not isinstance(raw, str):
        return None
    root = (current_app.extensions["patrol_data_dir"] / "screenshots").resolve()
    path = Path(raw)
    if not path.is_absolute():
        path = root / path
    try:
        path = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or path.suffix.lower() != ".png" or not path.is_file():
        return None
    return path


@bp.route("/<flag_id>/screenshot.png")
@login_required
def screenshot(flag_id: str):
    store = get_store()
    item = store.get_item(store.get_flag(flag_id)["url"]) or {}
    path = _screenshot_path(item)
    if path is None:
        abort(404, _("No screenshot for this flag."))
    root = (current_app.extensions["patrol_data_dir"] / "screenshots").resolve()
    # send_from_directory re-checks the joined path with werkzeug's safe_join.
    return send_from_directory(root, os.path.relpath(path, root), mimetype="image/png")


def _chain_decision(store, flag: dict) -> None:
    """The decision joins the case's evidence chain now (capture → decision),
    not only when a package is made; a failure leaves it to the export."""
    from patrol.evidence.package import sync_decisions
    from patrol.store import StoreError
    try:
        sync_decisions(store, flag)
    except StoreError as exc:
        log.error("evidence chain of %s: decision not recorded yet: %s", flag["id"], exc)


def _chain(store, flag_id: str) -> list[dict]:
    """The case's evidence chain (capture, decision, takedown, re-checks), newest first."""
    from patrol.evidence import chain
    return list(reversed(chain.entries(store, flag_id)))


@bp.route("/<flag_id>/evidence.wacz")
@login_required
def evidence_package(flag_id: str):
    """The case's evidence package (WACZ), signed with the office key; made
    afresh each time so it holds the chain as it is now (patrol.evidence.package)."""
    import tempfile

    from patrol.evidence import office
    from patrol.evidence.package import PackageError
    from patrol.evidence.signing import SigningKeyError
    store = get_store()
    flag = store.get_flag(flag_id)  # NotFound → 404
    with tempfile.TemporaryDirectory(prefix="patrol-case-") as tmpdir:
        out = Path(tmpdir) / "case.wacz"
        try:
            summary = office.export_case(store, flag_id, out, exported_by=g.user["username"])
        except (PackageError, SigningKeyError) as exc:
            abort(409, str(exc))
        data = out.read_bytes()  # a package is tens of KB (docs/evidence.md)
    log.info("%s downloaded the evidence package of %s (%s bytes, manifest %s)", g.user["username"],
             flag_id, summary["bytes"], summary["manifest_sha256"])
    return send_file(io.BytesIO(data), mimetype="application/wacz+zip", as_attachment=True,
                     download_name=f"case-{flag['id']}.wacz", max_age=0)
