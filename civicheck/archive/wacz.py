"""A run's WARC packed as a WACZ (Web Archive Collection Zipped): one file a reader opens in ReplayWeb.page, with
the WARC, its index and the list of the pages the claims cite. Written by the `wacz` package (webrecorder's own).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from civicheck.errors import UsageProblem, WarcNotWritten

PAGES_FORMAT = "json-pages-1.0"  # the header line of pages/pages.jsonl, as the WACZ spec names it
MISSING = "--wacz needs the `wacz` package (webrecorder's WACZ tools): pip install 'civicheck[wacz]'"


def check_available() -> None:
    """Raise UsageProblem now, before a run fetches anything, when the `wacz` package is not installed."""
    if importlib.util.find_spec("wacz") is None:
        raise UsageProblem(MISSING)


def wacz_path(warc: Path) -> Path:
    """civicheck-<run>.wacz beside civicheck-<run>.warc.gz."""
    return warc.with_name(warc.name.removesuffix(".warc.gz") + ".wacz")


def pages_jsonl(pages: Sequence[tuple[str, str]], title: str) -> str:
    """pages/pages.jsonl: a header, then one line per page (url, title), each URL once, in the order given."""
    lines = [json.dumps({"format": PAGES_FORMAT, "id": "pages", "title": title})]
    seen: set[str] = set()
    for url, page_title in pages:
        if url not in seen:
            seen.add(url)
            lines.append(json.dumps({"url": url, "title": page_title}))
    return "\n".join(lines) + "\n"


def write_wacz(warc: Path, pages: Sequence[tuple[str, str]], title: str) -> Path:
    """Pack `warc` into civicheck-<run>.wacz beside it; returns its path. `pages` are (URL, title) of the pages
    a reader starts from (the cited URLs): the package lists those it finds a record of (a URL that never
    answered has none). Written under a temporary name and renamed, as the WARC is. Raises WarcNotWritten."""
    check_available()
    from wacz.main import main as wacz_main

    out = wacz_path(warc)
    temp = out.with_name(f".{out.name}.part")
    with tempfile.TemporaryDirectory(prefix="civicheck-wacz-") as work:
        pages_file = Path(work) / "pages.jsonl"
        pages_file.write_text(pages_jsonl(pages, title), encoding="utf-8")
        # The package prints its progress on standard output, which is the report's: keep it for an error.
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                code = wacz_main(
                    ["create", "-o", str(temp), "-p", str(pages_file), "--title", title, str(warc)]
                )
            if code != 0:
                raise WarcNotWritten(
                    f"cannot write the WACZ {out}: the wacz package said: {_last_line(said)}"
                )
            os.replace(temp, out)
        except OSError as exc:
            raise WarcNotWritten(f"cannot write the WACZ {out}: {exc.strerror or exc}") from exc
        except WarcNotWritten:
            raise
        except Exception as exc:  # noqa: BLE001 - the package's own failures have no type of their own
            raise WarcNotWritten(f"cannot write the WACZ {out}: {type(exc).__name__}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    return out


def _last_line(text: io.StringIO) -> str:
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else "nothing"
