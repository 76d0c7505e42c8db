"""The entities of one flagged item: its identifiers with the flag's context.

Read from the flag's evidence passages when the classifier names them
(``evidence["passages"]``: ``[{"start", "end", ...}]`` offsets into the item's
text), else from the whole text; always from the fields where a listing shows
its contacts (seller, contact, licence, page chrome). Each entity keeps the
passage it came from, so the console can show and highlight it.
"""

from __future__ import annotations

from classifiers import identifiers as ids

CONTACT_FIELDS = ("title", "seller", "shop_name", "contact", "licence", "licence_claim", "outlet",
                  "byline", "developer", "chrome")


def _passages(evidence: dict, text: str) -> list[tuple[int, int]]:
    spans = []
    for p in (evidence or {}).get("passages") or []:
        if isinstance(p, dict) and isinstance(p.get("start"), int) and isinstance(p.get("end"), int):
            a, b = max(0, p["start"]), min(len(text), p["end"])
            if a < b:
                spans.append((a, b))
    return sorted(set(spans))


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(_as_text(v) for v in value.values())
    return ""


def item_identifiers(item: dict, evidence: dict | None = None) -> ids.Extraction:
    text = item.get("text") if isinstance(item.get("text"), str) else ""
    result = ids.Extraction()
    spans = _passages(evidence or {}, text)
    if spans:
        for a, b in spans:
            ids.extract(text[a:b], offset=a, result=result)
    else:
        ids.extract(text, result=result)
    for name in CONTACT_FIELDS:
        ids.extract(_as_text(item.get(name)), field=name, result=result)
    return result


def flag_entities(item: dict, flag: dict) -> tuple[list[dict], dict[str, int]]:
    """(entity documents, dropped counts) of ``flag`` (id, category, evidence) on ``item``."""
    found = item_identifiers(item, flag.get("evidence") if isinstance(flag.get("evidence"), dict) else None)
    out = []
    for ident in found.identifiers:
        src = item.get("text") if ident.field == "text" else _as_text(item.get(ident.field))
        out.append({**ident.as_dict(), "key": ident.key, "flag_id": flag["id"],
                    "url": item.get("url", ""), "source": item.get("source", ""),
                    "category": flag.get("category", ""),
                    "passage": ids.passage(src or "", ident.start, ident.end)})
    return out, found.dropped
