"""Typing into a built site's search box, as a reader does, with either site engine's search:
Material's (MkDocs) or Zensical's own dialog."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page


def found(page: Page, term: str) -> set[str]:
    """The paths of the pages the search box lists for ``term``, once the list has settled."""
    if page.locator(".md-search__button").count():
        return found_in_zensical(page, term)
    box = page.locator("input[data-md-component=search-query]")
    box.click()
    box.fill("")
    box.press_sequentially(term, delay=10)
    page.keyboard.press("End")  # Material reads the query on key up
    meta = page.locator(".md-search-result__meta")
    listed = "els => els.map(e => e.href)"
    before: list[str] | None = None
    for _ in range(40):  # the worker answers each key; keep the last answer that stays
        page.wait_for_timeout(150)
        if not meta.is_visible():
            continue
        now = [meta.inner_text(), *page.eval_on_selector_all(".md-search-result__link", listed)]
        if now == before:
            return {urlsplit(link).path for link in now[1:]}
        before = now
    raise AssertionError(f"the search for {term!r} did not settle")


def found_in_zensical(page: Page, term: str) -> set[str]:
    """`found` in a site Zensical built: its search is a dialog of its own, in a shadow root
    (Playwright's locators pierce it), opened by the header's search button."""
    box = page.locator("input[aria-autocomplete=list]")
    if not box.is_visible():
        page.locator(".md-search__button").first.click()
    box.fill("")
    box.press_sequentially(term, delay=10)
    page.wait_for_timeout(300)  # an empty list before the first answer is not an answer
    results = page.locator(f"#{box.get_attribute('aria-controls')} a")
    before: list[str] | None = None
    for _ in range(40):  # the worker answers each key; keep the last answer that stays
        page.wait_for_timeout(150)
        now = [link.get_attribute("href") or "" for link in results.all()]
        if now == before:
            return {urlsplit(page.url).path if not link else urlsplit(link).path for link in now}
        before = now
    raise AssertionError(f"the search for {term!r} did not settle")
