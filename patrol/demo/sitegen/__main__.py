"""``python -m patrol.demo.sitegen``: (re)write ``patrol/demo/sites/``."""

from __future__ import annotations

import sys
from pathlib import Path

from patrol.demo.sitegen import appstore, bookshop, chengnan, fakenews, fazhiguancha, shuwu, ziliaopu
from patrol.demo.sitegen.common import Writer
from patrol.demo.sites import SITES_DIR

BUILDERS = {"appstore": appstore.build, "bookshop": bookshop.build, "ziliaopu": ziliaopu.build,
            "chengnan-daily": chengnan.build, "fake-news": fakenews.build,
            "shuwu": shuwu.build, "fazhi-guancha": fazhiguancha.build}


def render_all(sites_dir: Path = SITES_DIR) -> dict[str, Writer]:
    """Every site's files, rendered in memory (nothing written)."""
    writers = {}
    for name, build in BUILDERS.items():
        writers[name] = Writer(sites_dir / name)
        build(writers[name])
    return writers


def main() -> int:
    for name, writer in render_all().items():
        writer.write()
        print(f"{name:16} {len(writer.files):3d} files -> {writer.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
