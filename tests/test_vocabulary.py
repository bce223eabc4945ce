"""One vocabulary (issue 10, item 3): each domain's error codes in one enum, one code per meaning,
and what the API documentation and docs/*.md name are codes that exist."""

from __future__ import annotations

import ast
import importlib
import re
from enum import StrEnum
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "anxin"
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)*$")
SERVICE_ERRORS = {"ServiceError", "Invalid", "Conflict", "NotFound", "Forbidden"}


def _error_enums() -> list[type[StrEnum]]:
    """Every StrEnum defined in an errors.py of the package, found on disk, not from a list."""
    found = []
    for path in sorted(PACKAGE.rglob("errors.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, StrEnum)
            and value is not StrEnum
            and value.__module__ == module.__name__
        ]
    return found


ENUMS = _error_enums()
ALL_CODES = {member.value: enum for enum in ENUMS for member in enum}


def test_every_domain_that_raises_has_an_enum() -> None:
    names = {enum.__module__ for enum in ENUMS}
    for app in ("core", "accounts", "org", "ops", "intake", "cases", "ledgers", "warnings", "demo"):
        assert f"anxin.{app}.errors" in names


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__qualname__)
def test_codes_are_unique_snake_case_strings_named_after_their_value(enum: type[StrEnum]) -> None:
    # Two members with one value would make the second an alias: one meaning, two names.
    assert len(enum.__members__) == len(list(enum)), enum
    for name, member in enum.__members__.items():
        assert isinstance(member.value, str) and SNAKE.match(member.value), member
        assert name == member.value.upper(), member


def test_no_code_is_declared_by_two_domains() -> None:
    # A code two domains share lives once, in core (or in the lower domain, which the higher imports).
    seen: dict[str, str] = {}
    for enum in ENUMS:
        for member in enum:
            assert member.value not in seen, (member.value, seen.get(member.value), enum.__qualname__)
            seen[member.value] = enum.__qualname__


def _literal_codes(path: Path) -> list[str]:
    """Where a module still writes an error code as a string literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            for kw in node.keywords:
                if (
                    kw.arg == "code"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    # Django's ValidationError codes are Django's, not the API's.
                    if (
                        name in SERVICE_ERRORS
                        or name.endswith(("Error", "Refused"))
                        and name != "ValidationError"
                    ):
                        found.append(f"{path}:{node.lineno} {name}(code={kw.value.value!r})")
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and (base.id in SERVICE_ERRORS or base.id.endswith("Error"))
            for base in node.bases
        ):
            for item in node.body:
                if (
                    isinstance(item, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "code" for t in item.targets)
                    and isinstance(item.value, ast.Constant)
                ):
                    found.append(f"{path}:{item.lineno} class {node.name}: code = {item.value.value!r}")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and SNAKE.match(value.value)
                ):
                    found.append(f"{path}:{node.lineno} {{'code': {value.value!r}}}")
    return found


def test_raise_sites_name_enum_members_not_strings() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.name == "testing.py":
            continue
        offenders += _literal_codes(path)
    assert offenders == []


def _documented_codes(text: str) -> list[str]:
    """The codes a description lists after 错误码：, each followed by its meaning in （）."""
    codes = []
    for listing in re.findall(r"错误码：([^。]*)", text):
        codes += re.findall(r"([a-z]+(?:_[a-z]+)+|[a-z]+)（", listing)
    return codes


def test_the_api_documents_only_codes_the_enums_know(client) -> None:  # noqa: ANN001
    schema = client.get("/api/openapi.json").json()
    documented = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in _documented_codes(operation.get("description", "")):
                documented[code] = f"{method.upper()} {path}"
    # The endpoints that list their codes do list some (so this test reads what it means to).
    assert {"unknown_action", "transition_not_allowed", "bad_credentials", "owner_not_staff"} <= set(
        documented
    )
    unknown = {code: where for code, where in documented.items() if code not in ALL_CODES}
    assert unknown == {}


def test_the_docs_name_only_codes_the_enums_know() -> None:
    named = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        named += [(path.name, code) for code in re.findall(r"`[1-5]\d\d ([a-z_]+)`", path.read_text("utf-8"))]
    assert ("cases.md", "unknown_action") in named
    assert [(doc, code) for doc, code in named if code not in ALL_CODES] == []


def _event_constants() -> list[tuple[str, str]]:
    """Every event-name constant of every events.py of the package, found on disk: (where, name)."""
    found = []
    for path in sorted(PACKAGE.rglob("events.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        found += [
            (f"{module.__name__}.{constant}", value)
            for constant, value in vars(module).items()
            if constant.isupper() and isinstance(value, str)
        ]
    return found


def test_every_event_name_has_a_chinese_label() -> None:
    from anxin.audit import labels
    from anxin.cases.events import step_taken
    from anxin.cases.workflow import TABLE

    names = {name: where for where, name in _event_constants()}
    assert {"case.viewed", "report.received", "unit.created", "calendar.loaded", "hazard.start"} <= set(names)
    names |= {step_taken(step.name): f"anxin.cases.workflow.TABLE[{step.name}]" for step in TABLE}
    unlabelled = {where for name, where in names.items() if name not in labels.LABELS}
    assert unlabelled == set()
    # A replaced name is never written again.
    assert not set(labels.RENAMED) & set(names)


def test_event_names_are_dotted_snake_case_and_each_written_by_one_constant() -> None:
    seen: dict[str, str] = {}
    for where, name in _event_constants():
        assert re.match(r"^[a-z_]+(\.[a-z0-9_]+)+$", name), (where, name)
        assert name not in seen, (name, seen.get(name), where)
        seen[name] = where


def test_audit_record_is_called_with_an_event_constant() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                "audit_record"
            ):
                for kw in node.keywords:
                    if kw.arg == "action" and isinstance(kw.value, ast.Constant | ast.JoinedStr):
                        offenders.append(f"{path}:{node.lineno}")
    assert offenders == []
