"""Finding the claims files under the paths given, and loading every one of them: every problem of every file
is collected and reported together (ClaimsError), before anything is fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from civicheck.claims.model import Claim
from civicheck.claims.validate import FileValidator
from civicheck.claims.yaml_lines import Loader, RefusedYAML, fast_loader, shown
from civicheck.credentials import conflicting
from civicheck.errors import ClaimsError, Problem, UsageProblem

# PyYAML's pure-Python loader needs about 90 MB of memory and 6 s per MB of YAML: 10 MB is ~50,000 claims.
MAX_FILE_BYTES = 10_000_000
MAX_CLAIMS = 200_000  # per run: twice the largest run we have measured; beyond, split the folder
MAX_PROBLEMS = 10_000  # per run: enough to fix a generated file in one go


def find_claim_files(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, and every *.yaml / *.yml below directories (sorted; hidden folders skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in (".yaml", ".yml")
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise UsageProblem(f"{path}: no claims files (*.yaml, *.yml) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageProblem(f"{path}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


def load_claims(paths: list[str | Path]) -> list[Claim]:
    """Load and validate every claims file under `paths`; raise ClaimsError listing every problem."""
    problems: list[Problem] = []
    claims: list[Claim] = []
    ids: list[tuple[str, str, int]] = []  # (id, file, line) of every claim, valid or not
    for path in find_claim_files(paths):
        claims.extend(_load_file(path, problems, ids))
        # Stop reading: a million claims (or problems) would take minutes and gigabytes before anything is said.
        if len(claims) > MAX_CLAIMS:
            problems.append(
                Problem(
                    str(path),
                    None,
                    None,
                    f"more than {MAX_CLAIMS:,} claims in one run (counted up "
                    "to this file); check the claims in parts, e.g. one folder per run",
                )
            )
            break
        if len(problems) > MAX_PROBLEMS:
            problems.append(
                Problem(
                    str(path),
                    None,
                    None,
                    f"stopped reading after this file: more than {MAX_PROBLEMS:,} problems; fix these first",
                )
            )
            break
    first_seen: dict[str, tuple[str, int]] = {}
    for claim_id, file, line in ids:
        if claim_id in first_seen:
            other_file, other_line = first_seen[claim_id]
            problems.append(
                Problem(
                    file,
                    line,
                    claim_id,
                    f"duplicate id: already used at {other_file}:{other_line}; ids must be unique in a run",
                )
            )
        else:
            first_seen[claim_id] = (file, line)
    problems.extend(conflicting(dict.fromkeys(rule for claim in claims for rule in claim.headers)))
    problems.extend(_conflicting_user_agents(claims))
    if problems:
        raise ClaimsError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return claims


def _conflicting_user_agents(claims: list[Claim]) -> list[Problem]:
    """Every request of a run goes out with one User-Agent: two files naming different ones cannot both win."""
    first: tuple[str, str, int] | None = None
    problems = []
    for file, (agent, line) in dict.fromkeys(
        (c.file, c.user_agent) for c in claims if c.user_agent is not None
    ):
        if first is None:
            first = (agent, file, line)
        elif agent != first[0]:
            problems.append(
                Problem(
                    file,
                    line,
                    None,
                    f"user_agent is already set differently at {first[1]}:{first[2]}; "
                    "a run sends one User-Agent (per host: defaults.headers)",
                )
            )
    return problems


# PyYAML's words for the mistakes reporters make most, and what to do about each.
_YAML_ADVICE = (
    (
        "cannot start any token",
        "a tab or a stray character: indent with spaces only, and put text that starts "
        "with @, ` or % in quotes",
    ),
    (
        "mapping values are not allowed here",
        "a ': ' inside a value: put the text in quotes (claim: \"Smart City: a priority\")",
    ),
    (
        "could not find expected ':'",
        "a key without its ':' (write '- live: https://…'), or text that needs quotes",
    ),
    (
        "expected <block end>",
        "the indentation does not line up with the lines above: align this key with its "
        "siblings (spaces only), or put text holding quotes in single quotes",
    ),
    ("found unexpected end of stream", "a quote that is never closed"),
)


def _yaml_advice(problem: str) -> str:
    for words, advice in _YAML_ADVICE:
        if words in problem:
            return f"{advice} (YAML says: {problem})"
    return problem


def _fast_read(text: str) -> tuple[Any, Loader | None]:
    """(the data, its loader) read with libyaml's parser (yaml_lines.fast_loader: a file of a thousand claims
    in a fifth of the time); (None, None) when it finds anything wrong, or is not there."""
    loader = fast_loader(text)
    if loader is None:
        return None, None
    try:
        return loader.get_single_data(), loader
    except yaml.YAMLError:
        loader.dispose()
        return None, None


def _load_file(path: Path, problems: list[Problem], ids: list[tuple[str, str, int]]) -> list[Claim]:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims its size is
        if len(data) > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                    "split its claims into several files",
                )
            )
            return []
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(name, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
        )
        return []
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc.strerror}"))
        return []
    data, loader = _fast_read(text)
    try:
        if loader is None:  # a syntax error, a refusal, or no libyaml: PyYAML's own reader says what is wrong
            loader = Loader(text)
            data = loader.get_single_data()
    except RefusedYAML as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None  # we always give one; PyYAML may not
        problems.append(Problem(name, line, None, str(exc.problem)))
        return []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problems.append(
            Problem(name, line, None, f"YAML syntax error: {_yaml_advice(exc.problem or exc.context or '')}")
        )
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, None, f"YAML error: {exc}"))
        return []
    finally:
        if loader is not None:
            loader.dispose()
    claims = FileValidator(name, problems, ids).validate(data)
    for bad in loader.impossible_dates:
        if not bad.reported:  # not in a date field (those say it in their own words): text or a slip?
            problems.append(
                Problem(
                    name,
                    bad.line,
                    None,
                    f"'{shown(str(bad))[1:-1]}' cannot be read as a date "
                    f"({bad.why}); put it in quotes if it is text",
                )
            )
    return claims
