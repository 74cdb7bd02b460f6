"""The web archives civicheck can use, by name: an `--archive` spec ("wayback", "wayback=https://base",
"pywb=http://host:port/collection") becomes its backend's clients. A new kind of archive is one module with
its Backend (backend.py says what it declares) and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicheck.archive.backend import Archive, Backend
from civicheck.archive.cdx import CdxClient
from civicheck.archive.pywb import Pywb
from civicheck.archive.wayback import Wayback
from civicheck.errors import UsageProblem

BACKENDS: dict[str, Backend] = {backend.name: backend for backend in (Wayback(), Pywb())}


def backend_of(spec: str) -> tuple[Backend, str]:
    """The backend an `--archive` spec names, and the archive's location it gives; UsageProblem otherwise."""
    name, _, where = spec.partition("=")
    backend = BACKENDS.get(name.strip().lower())
    if backend is None:
        kinds = " or ".join(f"'{b.usage}'" for b in BACKENDS.values())
        raise UsageProblem(f"--archive {spec}: unknown archive; use {kinds}")
    return backend, backend.location(where.strip(), spec)


def parse_archive_spec(spec: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> Archive:
    """The archive an `--archive` option names, to capture with. Raises UsageProblem for a bad spec, and for
    half-set keys. `kwargs` go to the backend's client (SavePageNow: budget, per_minute...; pywb: timeout)."""
    backend, location = backend_of(spec)
    return backend.archive(location, env, **kwargs)


def cdx_for(spec: str, **kwargs: Any) -> CdxClient:
    """The CDX API of the archive an `--archive` spec names, for lookups only (no keys needed), e.g. for
    `civicheck timeline`. Raises UsageProblem for a bad spec."""
    backend, location = backend_of(spec)
    return backend.cdx(location, **kwargs)
