"""The registry of check kinds: each kind is one object (kinds/base.py) that claims files, the runner and the
reports ask for its options, what it needs fetched, and its judgement.

Every module below registers its kinds through the same hook a plugin would use (as simonw/llm registers its
own models): a function `register_kinds(register)`. Every module of this package that has one is a built-in
kind, found by looking (builtin_modules): BUILTIN only orders the first ones, as `lint` names them, and others
follow alphabetically. An installed package can add kinds through the `civicheck.kinds` entry point group,
naming a module with that function. Adding a built-in kind: one module here, its tests, its README section.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

from civicheck.kinds.base import CheckKind
from civicheck.logs import get_logger

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check

logger = get_logger(__name__)

BUILTIN = (
    "live",
    "dead",
    "status",
    "contains",
    "quote",
    "links",
    "published",
)  # their order; more may follow
ENTRY_POINTS = "civicheck.kinds"
_KINDS: dict[str, CheckKind] = {}


def _register(kind: CheckKind) -> None:
    if kind.name in _KINDS:
        raise ValueError(f"two check kinds are named {kind.name!r}")
    _KINDS[kind.name] = kind


def builtin_modules() -> list[str]:
    """The modules of this package that register kinds: BUILTIN's first, in its order, then any other."""
    import pkgutil

    found = {m.name for m in pkgutil.iter_modules(__path__)}
    hooks = {name for name in found if hasattr(import_module(f"civicheck.kinds.{name}"), "register_kinds")}
    return [name for name in BUILTIN if name in hooks] + sorted(hooks - set(BUILTIN))


def _loaded() -> dict[str, CheckKind]:
    if not _KINDS:
        for name in builtin_modules():
            import_module(f"civicheck.kinds.{name}").register_kinds(_register)
    return _KINDS


_plugins: list[bool] = []  # [True] once the installed packages' kinds are registered


def _with_plugins() -> dict[str, CheckKind]:
    """Every kind, the installed packages' too. They are looked up only when a name is not a built-in one (or
    every name is asked for): the lookup scans every installed distribution, an eighth of the start-up of a
    run whose claims use built-in kinds only."""
    kinds = _loaded()
    if not _plugins:
        _plugins.append(True)
        from importlib.metadata import entry_points

        for entry in entry_points(group=ENTRY_POINTS):
            entry.load().register_kinds(_register)
    return kinds


def names() -> tuple[str, ...]:
    """Every kind's name: the built-in ones first (builtin_modules' order), then those of installed packages."""
    return tuple(_with_plugins())


def get(name: str) -> CheckKind | None:
    kind = (_KINDS or _loaded()).get(name)  # asked a dozen times a check: the registry once made
    return kind if kind is not None else _with_plugins().get(name)


def kind_of(check: Check) -> CheckKind:
    kind = get(check.kind)
    if kind is None:
        raise KeyError(check.kind)
    return kind


def evaluate(check: Check, ctx: Context) -> Outcome:
    """The check's outcome, judged by its kind. A page that could not be read, or that made judging it fail,
    makes this check unknown with the reason; it never costs another check its outcome, nor the run its
    report."""
    from civicheck.checks import Evidence, Outcome
    from civicheck.errors import PageUnreadable
    from civicheck.reading import UNREADABLE
    from civicheck.report import UNKNOWN

    def plain_evidence() -> Evidence:
        result = ctx.results.get(check.url)
        return Evidence.of(result, ctx) if result is not None else Evidence(url=check.url)

    try:
        return kind_of(check).evaluate(check, ctx)
    except PageUnreadable as exc:
        return Outcome(check, UNKNOWN, str(exc), plain_evidence())
    except Exception as exc:  # noqa: BLE001 - a page nobody foresaw (or a bug): that check alone is unknown
        logger.exception("judging %s check of %s failed", check.kind, check.url)
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return Outcome(check, UNKNOWN, f"{UNREADABLE}: judging it failed ({why})", plain_evidence())


Register = Callable[[CheckKind], None]
__all__ = ["BUILTIN", "CheckKind", "Register", "evaluate", "get", "kind_of", "names"]
