"""The drafted claims as a YAML claims file a reporter edits: readable ids, a comment above each claim saying
where it came from, `expect:` left empty, and nothing that `civicheck lint` would reject.

Text from the page is untrusted: it is cleaned of control and invisible characters, and every value is
written by PyYAML's own emitter, so no page can add a key, a claim or a line to the file.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from civicheck.draft.drafts import DraftClaim
from civicheck.errors import DraftError
from civicheck.escape import clean

_ID_LIMIT = 60
_NOT_ID = re.compile(r"[^a-z0-9]+")
# Characters YAML does not allow anywhere in a file, beyond those clean() removes.
_NOT_YAML = re.compile("[\ufffe\uffff]")


def assign_ids(claims: list[DraftClaim], taken: set[str]) -> list[str]:
    """A readable, unique id for each claim ("quote-eka-asmadi-penutupan-operasional-bandara"), never one of
    `taken` (the ids of the claims files the draft will join)."""
    used = set(taken)
    ids = []
    for number, claim in enumerate(claims, 1):
        base = slug(claim.id_words) or f"{claim.kind}-{number}"
        if base == claim.kind:
            base = f"{claim.kind}-{number}"
        candidate, n = base, 2
        while candidate in used:
            candidate = f"{base}-{n}"
            n += 1
        used.add(candidate)
        ids.append(candidate)
    return ids


def slug(words: str) -> str:
    """Lower-case ASCII words joined by '-' ("Pemerintah Kota Cilegon" → "pemerintah-kota-cilegon")."""
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii").lower()
    text = _NOT_ID.sub("-", ascii_text).strip("-")
    if len(text) > _ID_LIMIT:
        text = text[:_ID_LIMIT].rsplit("-", 1)[0]
    return text


def render(claims: list[DraftClaim], ids: list[str], header: list[str]) -> str:
    """The claims file: `header` comment lines, then each claim with its comments."""
    lines = [f"# {_comment(line)}".rstrip() for line in header]
    lines.append("claims:")
    for claim, claim_id in zip(claims, ids, strict=True):
        lines.append("")
        lines += [f"  # {_comment(c)}" for c in claim.comments]
        lines.append(f"  - id: {claim_id}")
        lines.append(f"    claim: {_scalar(claim.claim)}")
        if claim.said_by:
            lines.append(f"    said_by: {_scalar(claim.said_by)}")
        if claim.said_on:
            lines.append(f"    said_on: {claim.said_on}")
        if claim.sources:
            lines.append("    sources:")
            lines += [f"      - {_scalar(s)}" for s in claim.sources]
        lines.append(f"    tags: [draft, {claim.kind}]")
        lines.append("    expect:  # supported, refuted or unverified: the verdict you expect")
        lines.append("    checks:")
        for kind, value in claim.checks:
            lines += _check(kind, value)
    return "\n".join(lines) + "\n"


def _check(kind: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [f"      - {kind}: {_scalar(value)}"]
    out = [f"      - {kind}:"]
    for key, item in value.items():
        out.append(f"          {key}: {_scalar(item)}")
    return out


def _scalar(value: Any) -> str:
    """One YAML value, quoted as PyYAML sees fit (plain, 'single' or "double" with escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = _NOT_YAML.sub("", clean(value))
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1_000_000, default_flow_style=True)
    dumped = dumped.removesuffix("\n...\n").rstrip("\n")
    if "\n" in dumped:  # never expected of cleaned one-line text; a JSON string is a YAML scalar too
        import json

        return json.dumps(text, ensure_ascii=False)
    return dumped


def _comment(text: str) -> str:
    return _NOT_YAML.sub("", clean(text))


def validate(text: str, taken: set[str]) -> None:
    """Lint the drafted file as `civicheck lint` would; DraftError if it fails or reuses a taken id."""
    from civicheck.claims import load_claims
    from civicheck.errors import ClaimsError

    with tempfile.TemporaryDirectory(prefix="civicheck-draft-") as folder:
        path = Path(folder) / "draft.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            claims = load_claims([path])
        except ClaimsError as exc:
            raise DraftError(
                f"the drafted claims would not pass lint ({exc}); this is a bug, please report it"
            ) from exc
    clash = sorted({c.id for c in claims} & taken)
    if clash:
        raise DraftError(f"drafted ids {', '.join(clash)} are already used; this is a bug, please report it")


def existing_ids(folder: Path, skip: Path | None = None) -> set[str]:
    """The claim ids in the claims files under `folder` (read leniently: a file with a mistake still has
    ids), leaving out `skip` (the file the draft replaces)."""
    from civicheck.claims import find_claim_files
    from civicheck.errors import UsageProblem

    try:
        files = find_claim_files([folder])
    except UsageProblem:
        return set()
    ids: set[str] = set()
    for path in files:
        if skip is not None and path.resolve() == skip.resolve():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        items = data.get("claims") if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("id") is not None:
                ids.add(str(item["id"]))
    return ids
