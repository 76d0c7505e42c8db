"""Per-field accuracy of generic extraction on saved-page fixtures.

    PYTHONPATH=. .venv/bin/python benchmarks/extract/fixtures.py unseen-news unseen-app unseen-shop

For every case of the named fixture profiles (tests/fixtures/pages/<profile>/*/):
each expected field right or wrong (exact equality, as the parametrised test
compares), ``site`` facts likewise, the body found (every ``text_contains``
snippet in ``text``, none of ``chrome_contains``), and ``text`` length over the
article body (``body_chars``, characters without whitespace). Prints one line
per failing value and a JSON summary.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "spiders"))

from test_page_fixtures import FIXTURES, build_item  # noqa: E402


def measure(profiles: list[str], verbose: bool = True) -> dict:
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    ratios: list[float] = []
    for profile in profiles:
        for case in sorted(p.parent for p in (FIXTURES / profile).glob("*/expected.json")):
            expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
            item = build_item(profile, case / "page.html", expected)
            checks = [(name, item.get(name), value) for name, value in expected["fields"].items()]
            checks += [(f"site.{k}", (item.get("site") or {}).get(k), v) for k, v in expected.get("site", {}).items()]
            if expected["text_contains"]:
                body = all(s in item["text"] for s in expected["text_contains"]) and not any(
                    s in item["text"] for s in expected.get("chrome_contains", []))
                checks.append(("body", body, True))
            for name, got, want in checks:
                total[name] += 1
                if got == want:
                    right[name] += 1
                elif verbose:
                    print(f"  {profile}/{case.name}: {name}: got {str(got)[:120]!r}, want {str(want)[:120]!r}")
            if expected.get("body_chars"):
                ratios.append(len(re.sub(r"\s+", "", item["text"])) / expected["body_chars"])
    fields = {k: f"{right[k]}/{total[k]}" for k in sorted(total)}
    return {"fields": fields, "values_right": f"{sum(right.values())}/{sum(total.values())}",
            "text_over_body_median": round(statistics.median(ratios), 2) if ratios else None,
            "text_over_body_max": round(max(ratios), 2) if ratios else None}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:] or ["unseen-news", "unseen-app", "unseen-shop"]), ensure_ascii=False, indent=1))
