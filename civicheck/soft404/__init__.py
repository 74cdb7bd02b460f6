"""Soft 404s and bot walls: tell a real page from a "not found" page served with 200, a redirect of every dead
path to the home page, a parked domain, or a challenge page standing in front of the site. Pure: never fetches.

The ensemble. Every signal belongs to a family (redirect, probe, wording, empty, parked) and is strong or
weak; a 2xx answer is a soft 404 when one strong signal fires, or weak signals of two different families.

Strong:
- redirect: a redirect, meta refresh or script redirect from a deeper path to the root of the same site (or
  its language or index root), to a login page, or to an error page (/404.html, ?error=404);
- probe: a random sibling URL answers 2xx and is redirected to the same place, or answers a page at least 90%
  alike that has nothing the cited page lacks (see probe.similarity), or shows the same "not found" sentence
  while the cited page has no prose of its own;
- wording: the title or h1 is only a "not found" message; an h2/h3 or a short block is only a message that a
  *page* is missing and the main text has no prose; trafilatura's main text is only such a message;
- empty: (almost) no visible text and nothing else: no links, scripts, media, frames or forms;
- parked: parked or expired-domain wording, a parking service's script, a server placeholder title or
  suspended hosting, on a short page without prose.

Weak: "not found" wording with one or two other words, beside a long headline, as "Not Found"/"404" in an
h2/h3, or over a long article; near-empty text on a page with links or media; a redirect from a deep path to
another site's home page; a JavaScript app shell that answers the probe alike.

A page behind a bot wall is never judged a soft 404: the challenge page says nothing about the site.

One module per signal family: redirect.py, probe.py, wording.py, empty.py, parked.py; botwall.py (bot walls),
weighed together by ensemble.py (assess, read_markup), over page.py (what every signal reads of an answer),
markup.py (the markup features), words.py (text as the patterns read it) and urls.py (URL shapes).
"""

from civicheck.soft404.botwall import detect_bot_wall
from civicheck.soft404.ensemble import Assessment, assess, read_markup
from civicheck.soft404.markup import Markup
from civicheck.soft404.probe import PROBE_TOKEN_LENGTH, SIMILAR, probe_key, probe_url

__all__ = [
    "PROBE_TOKEN_LENGTH",
    "SIMILAR",
    "Assessment",
    "Markup",
    "assess",
    "detect_bot_wall",
    "probe_key",
    "probe_url",
    "read_markup",
]
