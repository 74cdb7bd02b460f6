"""The report typed once: report.py's TypedDicts and report_schema.py's JSON Schema describe the same report,
field by field and type by type, and a report a run makes has exactly the shape they give."""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from civicheck import report as report_module
from civicheck.report import Report, expected_verdict, reported_verdict
from civicheck.report_schema import FREE_FIELDS, REPORT_SCHEMA, report_problem

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return list(get_args(annotation))
    return [annotation]


def _compare(annotation: Any, schema: dict[str, Any], where: str) -> None:
    """Fail unless `schema` accepts exactly the JSON values `annotation` describes."""
    members = _members(annotation)
    literals = [m for m in members if get_origin(m) is Literal]
    if "enum" in schema or "const" in schema:
        allowed = set(schema["enum"]) if "enum" in schema else {schema["const"]}
        values = {v for m in literals for v in get_args(m)} | {None for m in members if m is type(None)}
        assert values == allowed, where
        return
    assert not literals, f"{where}: a Literal in the TypedDict, no enum in the schema"
    types_ = schema.get("type")
    wanted = {types_} if isinstance(types_, str) else set(types_ or ())
    got: set[str] = set()
    for member in members:
        origin = get_origin(member)
        if member in JSON_TYPES:
            got.add(JSON_TYPES[member])
        elif origin is list:
            got.add("array")
            if "items" in schema:
                _compare(get_args(member)[0], schema["items"], f"{where}[]")
        elif origin is dict or member is dict:
            got.add("object")
            if "additionalProperties" in schema:
                _compare(get_args(member)[1], schema["additionalProperties"], f"{where}.*")
        elif is_typeddict(member):
            got.add("object")
            _compare_typeddict(member, schema, where)
        else:
            raise AssertionError(f"{where}: no JSON type for {member!r}")
    assert got == wanted, f"{where}: the TypedDict says {sorted(got)}, the schema {sorted(wanted)}"


def _compare_typeddict(cls: type, schema: dict[str, Any], where: str) -> None:
    hints = get_type_hints(cls)
    properties = schema.get("properties", {})
    free = set(FREE_FIELDS.get(cls.__name__, ()))
    assert set(hints) - free == set(properties), f"{where} ({cls.__name__}): fields differ"
    # What the schema requires, a report always has (the schema may require less: older files, other tools).
    assert set(schema.get("required", ())) <= cls.__required_keys__, where
    for name, annotation in hints.items():
        if name not in free:
            _compare(annotation, properties[name], f"{where}.{name}")


def test_the_typeddicts_and_the_json_schema_describe_the_same_report():
    _compare_typeddict(Report, REPORT_SCHEMA, "report")


def test_a_reports_words_are_defined_once():
    assert report_module.VERDICTS == ("supported", "refuted", "unverified")
    assert report_module.OUTCOMES == ("pass", "fail", "unknown")
    assert get_args(get_type_hints(report_module.Claim)["verdict"]) == report_module.VERDICTS


@pytest.mark.parametrize(
    ("claim", "reported", "expected"),
    [
        ({"verdict": "refuted"}, "refuted", "supported"),
        (
            {"verdict": "refuted", "reported_verdict": "supported", "expect": "refuted"},
            "supported",
            "refuted",
        ),
        ({"verdict": "unverified", "reported_verdict": None, "expect": None}, "unverified", "supported"),
    ],
)
def test_the_verdict_a_run_reports(claim, reported, expected):
    assert reported_verdict(claim) == reported
    assert expected_verdict(claim) == expected


def _shape(value: Any, annotation: Any, where: str) -> None:
    """Fail unless `value` (a run's report) has the type `annotation` gives it, recursively."""
    for member in _members(annotation):
        origin = get_origin(member)
        if member is Any or (member in JSON_TYPES and type(value) is member):
            return
        if member is float and type(value) is int:
            return
        if origin is Literal and value in get_args(member):
            return
        if origin is list and isinstance(value, list):
            for i, item in enumerate(value):
                _shape(item, get_args(member)[0], f"{where}[{i}]")
            return
        if (origin is dict or member is dict) and isinstance(value, dict):
            return
        if is_typeddict(member) and isinstance(value, dict):
            hints = get_type_hints(member)
            assert member.__required_keys__ <= set(value) <= set(hints), (
                f"{where}: {sorted(set(value) ^ set(hints))}"
            )
            for key, item in value.items():
                _shape(item, hints[key], f"{where}.{key}")
            return
    raise AssertionError(f"{where}: {value!r} is not {annotation}")


def test_a_run_makes_a_report_of_exactly_that_shape(tmp_path, site, closed_port_url):
    """The 200-claim golden run's report (every page kind, every check kind) against the TypedDicts."""
    from golden_site import run_report

    data, _ = run_report(site, closed_port_url, tmp_path)
    _shape(data, Report, "report")
    assert report_problem(data) is None


def test_the_historys_columns_are_fields_of_the_report():
    """The history keeps a column for some fields and the rest as JSON: the columns name fields that exist."""
    from civicheck.history import rows
    from civicheck.report import Check, Claim, Evidence, Snapshot

    assert rows.RUN_KEYS <= set(get_type_hints(Report))
    assert rows.CLAIM_KEYS <= set(get_type_hints(Claim))
    assert rows.CHECK_KEYS <= set(get_type_hints(Check))
    assert rows.EVIDENCE_KEYS <= set(get_type_hints(Evidence))
    assert rows.SNAPSHOT_KEYS <= set(get_type_hints(Snapshot))
