"""`civicheck init`: start a claims repository with an example claims file and a nightly GitHub Actions workflow.

The files come from civicheck/templates/ (the workflow runs civicheck through pip or through its action.yml);
nothing existing is overwritten unless asked.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from civicheck.errors import ScaffoldError

EXAMPLE_CLAIMS = Path("claims") / "example.yaml"
WORKFLOW = Path(".github") / "workflows" / "civicheck.yml"
_TEMPLATES = {EXAMPLE_CLAIMS: "example.yaml", WORKFLOW: "civicheck.yml.j2"}
# owner/repo[/path]@ref, as a workflow's `uses:` names an action in another repository.
_ACTION_REF = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}(?:/[A-Za-z0-9._/-]+)?@[A-Za-z0-9._/-]+"
)


def init(
    directory: Path, force: bool = False, install: str | None = None, action: str | None = None
) -> list[Path]:
    """Write claims/example.yaml and .github/workflows/civicheck.yml under `directory`; the paths written.

    install: the pip requirement the workflow installs civicheck from (default: install_source(directory));
    when none can be found the workflow stops with a message saying to set CIVICHECK_INSTALL.
    action: "owner/civicheck@ref": the workflow runs civicheck through that repository's action.yml instead,
    which installs the civicheck of its own commit (no install source needed).
    Refuses (ScaffoldError naming the file) to replace an existing file unless `force`.
    """
    directory = Path(directory)
    if action is not None and not _ACTION_REF.fullmatch(action):
        raise ScaffoldError(
            f"the action {action!r} must name a repository and a ref, as in 'your-org/civicheck@v0.1.0'"
        )
    if install is None and action is None:
        install = install_source(directory)
    if install is not None and ("\n" in install or "\r" in install):
        raise ScaffoldError(f"the install source {install!r} must be one line")
    targets = {directory / rel: name for rel, name in _TEMPLATES.items()}
    if not force:
        existing = [str(path) for path in targets if path.exists()]
        if existing:
            one = len(existing) == 1
            raise ScaffoldError(
                f"{', '.join(existing)} already exist{'s' if one else ''};"
                f" move {'it' if one else 'them'} away or use --force to overwrite"
            )
    written = []
    for path, name in targets.items():
        # A JSON string is a valid YAML double-quoted scalar: any requirement stays one literal value.
        text = _workflow(name, json.dumps(install or ""), action) if name.endswith(".j2") else _template(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ScaffoldError(f"cannot write {path}: {exc.strerror}") from exc
        written.append(path)
    return written


def _template(name: str) -> str:
    return resources.files("civicheck").joinpath("templates", name).read_text(encoding="utf-8")


def _workflow(name: str, install: str, action: str | None) -> str:
    """The workflow template filled in. Its own `@@ name @@` marks, since GitHub's `${{ }}` is Jinja's syntax."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(
        variable_start_string="@@",
        variable_end_string="@@",
        comment_start_string="<#",
        comment_end_string="#>",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        autoescape=False,
    )
    return env.from_string(_template(name)).render(install=install, action=action)


def install_source(directory: Path | None = None) -> str | None:
    """Where CI can pip-install the civicheck running now, or None when that cannot be told.

    "." when `directory` is a checkout of civicheck itself; the git URL pinned to the installed commit when
    civicheck was installed from git (PEP 610 direct_url.json); None for a local or editable install, whose
    path means nothing on a CI machine.
    """
    if directory is not None and _is_civicheck_checkout(Path(directory)):
        return "."
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("civicheck").read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    return spec_from_direct_url(json.loads(text)) if text else None


def spec_from_direct_url(info: dict[str, Any]) -> str | None:
    """A pip requirement reproducing an install recorded in PEP 610 direct_url.json, if CI can use it."""
    url = info.get("url", "")
    if not url.startswith(("https://", "http://", "ssh://", "git@")):
        return None  # file://: a path on this machine
    vcs = info.get("vcs_info")
    if vcs:
        rev = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"civicheck @ {vcs.get('vcs', 'git')}+{url}" + (f"@{rev}" if rev else "")
    archive = info.get("archive_info")
    if archive is not None:
        sha256 = (archive.get("hashes") or {}).get("sha256")
        fragment = f"#sha256={sha256}" if sha256 else (f"#{archive['hash']}" if archive.get("hash") else "")
        return f"civicheck @ {url}{fragment}"
    return None


def _is_civicheck_checkout(directory: Path) -> bool:
    try:
        import tomllib  # Python 3.11+; on 3.10 a checkout is simply not recognised
    except ImportError:
        return False
    try:
        data = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return data.get("project", {}).get("name") == "civicheck"
