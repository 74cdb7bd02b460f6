"""Signal family "redirect": a deeper page sent to the site root (or its language or index root), to a login
page or to an error page, by a redirect, a meta refresh or a script.
"""

from __future__ import annotations

from civicheck.soft404.page import Page, Signal, is_app_shell
from civicheck.soft404.urls import is_error_url, is_login_url, is_root_url, path_of, same_site, same_url


def redirect_signals(page: Page) -> list[Signal]:
    result = page.result
    if is_root_url(result.url) or is_login_url(result.url) or is_error_url(result.url):
        return []  # only a deeper page can be "sent home"
    targets: list[tuple[str, str]] = []
    if result.redirects and not same_url(result.url, result.final_url):
        targets.append(("redirected", result.final_url))
    refresh = page.html.refresh_target(result.final_url)
    if refresh:
        targets.append(("sent by a meta refresh", refresh))
    if page.text_len < 200 and not is_app_shell(page):  # an app's own script may send a visitor anywhere
        for target in page.html.script_redirects(result.final_url):
            targets.append(("sent by a script", target))
    out = []
    origin = path_of(result.url)
    for how, target in targets:
        if same_url(result.url, target):
            continue
        if is_login_url(target):
            out.append(Signal("redirect", True, f"{how} from {origin} to a login page ({target})"))
        elif is_error_url(target):
            out.append(Signal("redirect", True, f"{how} from {origin} to an error page ({target})"))
        elif is_root_url(target):
            if same_site(result.url, target):
                out.append(Signal("redirect", True, f"{how} from {origin} to the site root ({target})"))
            else:
                out.append(
                    Signal(
                        "redirect", False, f"{how} from {origin} to the home page of another site ({target})"
                    )
                )
    return out
