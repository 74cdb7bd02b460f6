"""Signal family "empty": (almost) no visible text; strong when nothing else is on the page either (no links,
scripts, media, frames or forms).
"""

from __future__ import annotations

from civicheck.soft404.page import Page, Signal, is_app_shell

NEAR_EMPTY = 100  # characters of visible text


def empty_signals(page: Page) -> list[Signal]:
    if page.text_len >= NEAR_EMPTY or is_app_shell(page):
        return []
    html = page.html
    plural = "" if page.text_len == 1 else "s"
    what = (
        "no visible text"
        if page.text_len == 0
        else f"almost no visible text ({page.text_len} character{plural})"
    )
    bare = not (html.links or html.scripts or html.media or html.frames or html.forms)
    if bare:
        return [Signal("empty", True, f"{what} and nothing else on the page")]
    return [Signal("empty", False, what)]
