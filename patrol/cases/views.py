"""A case as the CLI, the console and the exports show it: one function each
for the case, the list and the export rows, so the three agree."""

from __future__ import annotations

from collections import Counter, defaultdict

from patrol.cases.link import Policy
from patrol.store import NotFound

EXPORT_COLUMNS = ("case_id", "flag_id", "url", "source", "category", "status", "decision",
                  "decided_by", "score", "title", "joined_by", "identifiers")


def case_of(store, flag_id: str) -> str | None:
    links = store.find_links(flag_ids=[flag_id])
    return links[0]["case_id"] if links else None


def load_case(store, ident: str, policy: Policy | None = None) -> dict | None:
    """The case ``ident`` (a case id, or the id of any member flag), or None."""
    members = store.find_links(case_ids=[ident])
    if not members:
        cid = case_of(store, ident)
        if cid is None:
            return None
        members = store.find_links(case_ids=[cid])
    cid = members[0]["case_id"]
    policy = policy or Policy()
    ents_by_flag: dict[str, list[dict]] = defaultdict(list)
    for e in store.find_entities(flag_ids=[m["flag_id"] for m in members]):
        ents_by_flag[e["flag_id"]].append(e)
    keys = {e["key"] for es in ents_by_flag.values() for e in es}
    spans = store.entity_source_counts(sorted(keys)) if keys else {}
    joining = sorted({k for m in members for k in m.get("joined_by", [])})
    out_members = []
    for m in sorted(members, key=lambda d: d["flag_id"]):
        try:
            flag = store.get_flag(m["flag_id"])
        except NotFound:
            continue
        decision = flag.get("decision") or {}
        out_members.append({
            "flag_id": flag["id"], "url": flag["url"], "source": flag.get("source", ""),
            "category": flag["category"], "status": flag["status"], "title": flag.get("title", ""),
            "score": flag.get("score"), "decision": decision.get("verdict", ""),
            "decided_by": decision.get("analyst", ""), "joined_by": m.get("joined_by", []),
            "identifiers": sorted(ents_by_flag.get(flag["id"], []), key=lambda e: (e["field"], e["start"])),
        })
    idents: dict[str, dict] = {}
    for es in ents_by_flag.values():
        for e in es:
            d = idents.setdefault(e["key"], {"key": e["key"], "type": e["type"], "value": e["value"],
                                             "raw": e.get("raw", ""), "flags": 0,
                                             "sources": spans.get(e["key"], 0)})
            d["flags"] += 1
    for d in idents.values():
        d["hub"] = policy.weak(d["key"]) or d["sources"] >= policy.hub_sources
        d["joining"] = d["key"] in joining
    return {
        "id": cid, "members": out_members,
        "sources": sorted({m["source"] for m in out_members}),
        "categories": dict(Counter(m["category"] for m in out_members)),
        "statuses": dict(Counter(m["status"] for m in out_members)),
        "joining": joining,
        "hubs": sorted(k for k, d in idents.items() if d["hub"]),
        "identifiers": sorted(idents.values(), key=lambda d: (not d["joining"], d["type"], d["value"])),
    }


def list_cases(store, *, skip: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    """([{"id", "flags", "sources", "joining"}], total), largest first."""
    page, total = store.list_cases(skip=skip, limit=limit)
    links = store.find_links(case_ids=[p["case_id"] for p in page]) if page else []
    by_case: dict[str, list[dict]] = defaultdict(list)
    for link in links:
        by_case[link["case_id"]].append(link)
    flags = {}
    for link in links:
        try:
            flags[link["flag_id"]] = store.get_flag(link["flag_id"])
        except NotFound:
            pass
    rows = []
    for p in page:
        members = by_case.get(p["case_id"], [])
        rows.append({"id": p["case_id"], "flags": p["flags"],
                     "sources": sorted({flags[m["flag_id"]].get("source", "") for m in members
                                        if m["flag_id"] in flags}),
                     "open": sum(1 for m in members if m["flag_id"] in flags
                                 and flags[m["flag_id"]]["status"] in ("pending", "in_review")),
                     "joining": sorted({k for m in members for k in m.get("joined_by", [])})})
    return rows, total


def linked_for_flag(store, flag_id: str) -> dict | None:
    """For the flag page: this flag's identifiers and the other members of its
    case with the identifiers they share with it."""
    case = load_case(store, flag_id)
    if case is None:
        return None
    me = next((m for m in case["members"] if m["flag_id"] == flag_id), None)
    if me is None:
        return None
    mine = {e["key"] for e in me["identifiers"]}
    others = []
    for m in case["members"]:
        if m["flag_id"] == flag_id:
            continue
        shared = [e for e in m["identifiers"] if e["key"] in mine and e["key"] in case["joining"]]
        others.append({**m, "shared": shared})
    return {"case": case, "me": me, "others": others,
            "shared_keys": sorted({e["key"] for o in others for e in o["shared"]})}


def export_rows(case: dict) -> list[dict]:
    """One row per member flag, the columns of ``EXPORT_COLUMNS``."""
    return [{
        "case_id": case["id"], "flag_id": m["flag_id"], "url": m["url"], "source": m["source"],
        "category": m["category"], "status": m["status"], "decision": m["decision"],
        "decided_by": m["decided_by"], "score": m["score"], "title": m["title"],
        "joined_by": "; ".join(m["joined_by"]),
        "identifiers": "; ".join(e["key"] for e in m["identifiers"]),
    } for m in case["members"]]


def summary_lines(store, top: int = 5) -> list[str]:
    """What ``patrol demo`` prints about cases: the groups that span sites first."""
    rows, total = list_cases(store, limit=200)
    rows.sort(key=lambda r: (-len(r["sources"]), -r["flags"], r["id"]))
    spanning = [r for r in rows if len(r["sources"]) > 1]
    lines = [f"linked cases: {total} ({len(spanning)} spanning two or more sites)"]
    for row in rows[:top]:
        lines.append(f"  {row['id']}  {row['flags']} flags on {', '.join(row['sources'])}  "
                     f"joined by {', '.join(row['joining'][:4])}")
    if rows:
        lines.append(f"  patrol cases show {rows[0]['id']}")
    return lines
