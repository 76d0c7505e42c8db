"""Linking: flags sharing a normalised identifier are one case.

The graph is bipartite, flags and identifier keys; a case is a connected
component of two or more flags over the keys that link (not weak, not a hub).
A hub is a key shown by flags of ``PATROL_CASES_HUB_SOURCES`` or more
distinct sources, or listed in ``PATROL_CASES_HUBS``: it would join
unrelated shops (a platform's customer-service number), so it does not link.

Incremental (``relink``): from the flags that changed, walk the graph in the
store (a query per step, keys in ``$in``/``IN`` lists) to their components,
and also recompute the components of the cases they were in (a dismissed
flag or a key that became a hub can split a case). ``rebuild`` recomputes
everything from the stored entities with scipy's connected components.

A case's id is ``c`` + the smallest member flag id (16 hex digits), so the
incremental path and a rebuild name a case alike; the console and the CLI
also accept any member flag id.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterable

from classifiers.identifiers import WEAK_TYPES
from patrol.cases.extract import flag_entities
from patrol.store import NotFound
from patrol.store.base import utcnow

log = logging.getLogger(__name__)

RAISED = ("new", "updated", "reopened")
MAX_CASE = 5000   # flags walked in one incremental step; past it, `patrol cases rebuild`


class Policy:
    """What links: the hub threshold and the fixed hubs (settings, read once)."""

    def __init__(self, hub_sources: int | None = None, hubs: Iterable[str] | None = None):
        from patrol import config
        self.hub_sources = int(hub_sources if hub_sources is not None
                               else config.get("PATROL_CASES_HUB_SOURCES"))
        if hubs is None:
            hubs = [h.strip() for h in str(config.get("PATROL_CASES_HUBS")).split(",")]
        self.hubs = frozenset(h for h in hubs if h)

    def weak(self, key: str) -> bool:
        return key.split(":", 1)[0] in WEAK_TYPES or key in self.hubs

    def linking(self, store, keys: Iterable[str]) -> set[str]:
        keys = {k for k in keys if not self.weak(k)}
        counts = store.entity_source_counts(sorted(keys)) if keys else {}
        return {k for k in keys if counts.get(k, 0) < self.hub_sources}


def case_id(members: Iterable[str]) -> str:
    return "c" + min(members)[:16]


def _entities_of(store, flags: set[str], cache: dict[str, list]) -> list[dict]:
    """Entities of ``flags``, read once per relink (``cache``: flag id -> entities)."""
    missing = sorted(f for f in flags if f not in cache)
    if missing:
        for f in missing:
            cache[f] = []
        for e in store.find_entities(flag_ids=missing):
            cache[e["flag_id"]].append(e)
    return [e for f in flags for e in cache[f]]


def _component(store, seed: str, policy: Policy, linking_cache: dict,
               ent_cache: dict | None = None) -> tuple[set[str], dict]:
    """(flags of the component of ``seed``, {flag_id: set of linking keys})."""
    members, frontier, seen_keys = {seed}, {seed}, set()
    keys_of: dict[str, set[str]] = defaultdict(set)
    ent_cache = {} if ent_cache is None else ent_cache
    while frontier and len(members) < MAX_CASE:
        ents = _entities_of(store, frontier, ent_cache)
        new_keys = {e["key"] for e in ents} - seen_keys
        unknown = new_keys - linking_cache.keys()
        if unknown:
            good = policy.linking(store, unknown)
            linking_cache.update({k: k in good for k in unknown})
        for e in ents:
            if linking_cache.get(e["key"]):
                keys_of[e["flag_id"]].add(e["key"])
        seen_keys |= new_keys
        step = sorted(k for k in new_keys if linking_cache[k])
        frontier = set()
        if step:
            for e in store.find_entities(keys=step):
                keys_of[e["flag_id"]].add(e["key"])
                if e["flag_id"] not in members:
                    members.add(e["flag_id"])
                    frontier.add(e["flag_id"])
    if frontier:
        log.warning("case of flag %s has more than %d flags: run `patrol cases rebuild`", seed, MAX_CASE)
    return members, keys_of


def link_docs(members: set[str], keys_of: dict[str, set[str]]) -> list[dict]:
    """The memberships of one case: each flag with the keys it shares with the others."""
    count: dict[str, int] = defaultdict(int)
    for f in members:
        for k in keys_of.get(f, ()):
            count[k] += 1
    cid, now = case_id(members), utcnow()
    return [{"flag_id": f, "case_id": cid, "at": now,
             "joined_by": sorted(k for k in keys_of.get(f, ()) if count[k] > 1)}
            for f in sorted(members)]


def relink(store, flag_ids: Iterable[str], policy: Policy | None = None) -> list[str]:
    """Recompute the cases of ``flag_ids`` (and of the cases they were in);
    returns the ids of the cases written."""
    policy = policy or Policy()
    todo = set(flag_ids)
    # A key that has just become a hub (this flag's source was the one that made
    # it reach the threshold) may hold together a case it must now split.
    ent_cache: dict[str, list] = {}
    own = {e["key"] for e in _entities_of(store, todo, ent_cache) if not policy.weak(e["key"])}
    counts = store.entity_source_counts(sorted(own)) if own else {}
    cache: dict[str, bool] = {k: counts.get(k, 0) < policy.hub_sources for k in own}
    cache.update({k: False for e in ent_cache.values() for k in (x["key"] for x in e) if policy.weak(k)})
    crossed = sorted(k for k in own if counts.get(k, 0) == policy.hub_sources)
    if crossed:
        todo |= {e["flag_id"] for e in store.find_entities(keys=crossed)}
    old = {d["flag_id"]: d["case_id"] for d in store.find_links(flag_ids=sorted(todo))}
    if old:
        todo |= {d["flag_id"] for d in store.find_links(case_ids=sorted(set(old.values())))}
    done: set[str] = set()
    written, gone = [], set()
    while todo:
        seed = min(todo)
        members, keys_of = _component(store, seed, policy, cache, ent_cache)
        done |= members
        todo -= members
        if len(members) < 2:
            gone |= members
            continue
        links = store.find_links(flag_ids=sorted(members))
        stale = {d["case_id"] for d in links} - {case_id(members)}
        if stale:  # cases merged into this one: their other members are looked at too
            todo |= {d["flag_id"] for d in store.find_links(case_ids=sorted(stale))} - done
        store.put_links(link_docs(members, keys_of))
        written.append(case_id(members))
    if gone:
        store.delete_links(sorted(gone))
    return written


def on_raised(store, item: dict, flags: list[dict], policy: Policy | None = None) -> dict[str, int]:
    """After a crawl raised ``flags`` (``[{"id", "category", "evidence", "status"}]``)
    on ``item``: store their entities and relink. Returns counters."""
    counts: dict[str, int] = defaultdict(int)
    changed = []
    for flag in flags:
        if flag.get("status") not in RAISED:
            continue
        entities, dropped = flag_entities(item, flag)
        store.replace_entities(flag["id"], entities)
        changed.append(flag["id"])
        counts["patrol/cases/entities"] += len(entities)
        for reason, n in dropped.items():
            counts[f"patrol/cases/dropped/{reason}"] += n
    if changed:
        counts["patrol/cases/linked"] += len(relink(store, changed, policy))
    return dict(counts)


def on_decided(store, flag: dict, policy: Policy | None = None) -> None:
    """After a decision: a dismissed flag's identifiers are deleted and it drops
    out of its case (the others are relinked without it)."""
    if flag.get("status") == "dismissed":
        store.delete_entities([flag["id"]])
        relink(store, [flag["id"]], policy)


def flag_of(store, ident: str) -> dict | None:
    try:
        return store.get_flag(ident)
    except NotFound:
        return None


def _all_flags(store, status: str, page: int = 1000):
    skip = 0
    while True:
        batch, _ = store.list_flags(status=status, sort="created_at", skip=skip, limit=page)
        yield from batch
        if len(batch) < page:
            return
        skip += page


def rebuild(store, *, extract: bool = False, policy: Policy | None = None,
            progress=None) -> dict[str, int]:
    """Every case recomputed from the stored entities (``extract``: the entities
    first re-read from the stored items of every flag not dismissed). Entities of
    dismissed flags are deleted either way."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    policy = policy or Policy()
    stats = {"flags": 0, "dismissed": 0, "entities": 0, "hubs": 0, "cases": 0, "linked_flags": 0}
    dismissed = {f["id"] for f in _all_flags(store, "dismissed")}
    stats["dismissed"] = len(dismissed)
    if extract:
        for status in ("pending", "in_review", "confirmed", "escalated"):
            for f in _all_flags(store, status):
                item = store.get_item(f["url"])
                if item is not None:
                    store.replace_entities(f["id"], flag_entities(item, f)[0])
                stats["flags"] += 1
                if progress and stats["flags"] % 1000 == 0:
                    progress(stats["flags"])
    flag_ix: dict[str, int] = {}
    key_ix: dict[str, int] = {}
    sources: dict[str, set] = defaultdict(set)
    pairs: list[tuple[int, int]] = []
    forget: set[str] = set()
    for flag_id, key, source in store.iter_entity_keys():
        if flag_id in dismissed:
            forget.add(flag_id)
            continue
        stats["entities"] += 1
        if policy.weak(key):
            continue
        sources[key].add(source)
        pairs.append((flag_ix.setdefault(flag_id, len(flag_ix)), key_ix.setdefault(key, len(key_ix))))
    if forget:
        store.delete_entities(sorted(forget))
    hubs = {key_ix[k] for k, s in sources.items() if len(s) >= policy.hub_sources}
    stats["hubs"] = len(hubs)
    pairs = [(f, k) for f, k in pairs if k not in hubs]
    nf = len(flag_ix)
    n = nf + len(key_ix)
    if pairs:
        rows = np.fromiter((f for f, _ in pairs), dtype=np.int64, count=len(pairs))
        cols = np.fromiter((nf + k for _, k in pairs), dtype=np.int64, count=len(pairs))
        graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (rows, cols)), shape=(n, n))
        _, label = connected_components(graph, directed=False)
    else:
        label = np.arange(n)
    flags_by_label: dict[int, list[str]] = defaultdict(list)
    flag_names = list(flag_ix)
    for i, name in enumerate(flag_names):
        flags_by_label[int(label[i])].append(name)
    keys_of: dict[str, set[str]] = defaultdict(set)
    key_names = list(key_ix)
    for f, k in pairs:
        keys_of[flag_names[f]].add(key_names[k])
    docs = []
    for members in flags_by_label.values():
        if len(members) > 1:
            docs += link_docs(set(members), keys_of)
            stats["cases"] += 1
    store.delete_links(None)
    store.put_links(docs, fresh=True)
    stats["linked_flags"] = len(docs)
    return stats
