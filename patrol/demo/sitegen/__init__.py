"""Generator of the static demo sites under ``patrol/demo/sites/``.

The shipped HTML files are the product; this package only keeps their markup
consistent (stable CSS classes per site). Regenerate after editing the data:

    .venv/bin/python -m patrol.demo.sitegen

``tests/demo/test_sites.py`` fails when the shipped files differ from what
the generator writes.
"""
