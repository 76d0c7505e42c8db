"""The console's message catalogues, kept in step with the code (Babel's own
extract/update/compile, driven from Python so the script and the test share it).

``python -m patrol.web.i18n_catalog`` (what ``scripts/i18n`` runs) extracts
every ``_()``/``gettext``/``_l``/``lazy_gettext`` string of the console's
templates and Python code, merges the new ones into each locale's
``messages.po`` (a new msgid arrives untranslated: tests/web/test_i18n.py then
fails until someone writes its Chinese) and compiles ``messages.mo``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from patrol.web.i18n import LOCALES, TRANSLATIONS

WEB = Path(__file__).parent
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def extract() -> Catalog:
    """Every translatable string of patrol/web (templates and Python)."""
    catalog = Catalog(fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            WEB, METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    with open(po_path(locale), "rb") as fh:
        return read_po(fh, locale=locale)


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def update(locale: str, template: Catalog) -> Catalog:
    path = po_path(locale)
    if path.is_file():
        catalog = read(locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
    else:
        catalog = Catalog(locale=locale, project="content-patrol console", fuzzy=False)
        for m in template:
            if m.id:
                catalog.add(m.id, None, m.locations)
    catalog.fuzzy = False
    if locale == "en":  # the msgids are English: the en catalogue is the identity
        for m in catalog:
            if m.id and not m.string:
                m.string = m.id
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, no_location=True, omit_header=False, sort_output=True)
    return catalog


def compile_locale(locale: str) -> Path:
    mo = po_path(locale).with_suffix(".mo")
    mo.write_bytes(mo_bytes(read(locale)))
    return mo


def main() -> int:
    template = extract()
    missing = 0
    for locale in LOCALES:
        catalog = update(locale, template)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        for msgid in untranslated:
            print(f"{po_path(locale)}: untranslated: {msgid!r}", file=sys.stderr)
        missing += len(untranslated)
        compile_locale(locale)
    print(f"{len(template)} messages; {missing} untranslated")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
