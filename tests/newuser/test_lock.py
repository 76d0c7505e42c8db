"""requirements.lock (what scripts/setup.sh installs) holds every dependency
pyproject.toml names, at a version inside its range, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, tuple[str, int]]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", block)
        if m:
            pins[canonicalize_name(m.group(1))] = (m.group(2), block.count("--hash=sha256:"))
    return pins


def test_lock_pins_every_dependency_in_range_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = locked()
    stale = []
    for spec in wanted:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        if name not in pins:
            stale.append(f"{req.name}: not in requirements.lock")
        elif not req.specifier.contains(pins[name][0], prereleases=True):
            stale.append(f"{req.name}: locked {pins[name][0]} is outside {req.specifier}")
    assert not stale, "run scripts/lock and commit requirements.lock: " + "; ".join(stale)
    assert all(n >= 1 for _, n in pins.values()), "every pin carries a hash"
    assert len(pins) > len(wanted)  # transitive dependencies are pinned too
