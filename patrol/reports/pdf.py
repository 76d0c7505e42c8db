"""Printable pages to PDF through the Chromium the project already drives
(Playwright, ``PATROL_CHROMIUM``), so the PDF is what the browser prints."""

from __future__ import annotations

from patrol import config


def html_to_pdf(html: str) -> bytes:
    """A4 PDF of a self-contained HTML page (no network: ``set_content``)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config.get("PATROL_CHROMIUM") or None,
                                    args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing from outside the page
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "20mm", "bottom": "20mm", "left": "18mm", "right": "18mm"})
        finally:
            browser.close()
