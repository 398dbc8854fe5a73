"""The error catalogue lists exactly the codes the code can answer with, at their statuses.

Codes are found statically: every construction of a ``DomainError`` (sunshine/errors.py and its
subclasses anywhere in sunshine/) with its ``code=`` (or the class's default code when none is
given), the statuses werkzeug/Flask errors map to (``HTTP_ERRORS``), and a code assigned in a
tuple with its message (``code, message = "request.bad_json", …``). A code built with an
f-string counts as a pattern that must match at least one catalogue entry.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sunshine
from sunshine import errors
from sunshine.error_catalogue import BY_CODE, CATALOGUE, markdown

ROOT = Path(sunshine.__file__).parent
DOCS = ROOT.parent / "docs" / "errors.md"


@dataclass
class Raised:
    codes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    patterns: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    where: dict[str, str] = field(default_factory=dict)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(
        re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in node.values
    )


def raised_codes() -> Raised:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in sorted(ROOT.rglob("*.py"))}
    # Error classes: (status, default code), from errors.py and subclasses defined elsewhere.
    classes = {
        name: (cls.status, cls.code)
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    }
    # ``Missing(code=…, message=…)``: what an unknown (or out-of-scope) object answers, a 404.
    classes["Missing"] = (errors.NotFound.status, errors.NotFound.code)
    changed = True
    while changed:
        changed = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef) or node.name in classes:
                    continue
                base = next((classes[b] for b in map(_name, node.bases) if b in classes), None)
                if base is None:
                    continue
                default = base[1]
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(_name(t) == "code" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                    ):
                        default = statement.value.value
                classes[node.name] = (base[0], default)
                changed = True

    raised = Raised()
    for status, (code, _) in errors.HTTP_ERRORS.items():
        raised.codes[code].add(status)
        raised.where.setdefault(code, "sunshine/errors.py HTTP_ERRORS")
    for path, tree in trees.items():
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and _name(node.func) in classes:
                status, default = classes[_name(node.func)]  # type: ignore[index]
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                if code is None:
                    raised.codes[default].add(status)
                    raised.where.setdefault(default, where)
                elif isinstance(code, ast.Constant):
                    raised.codes[code.value].add(status)
                    raised.where.setdefault(code.value, where)
                elif isinstance(code, ast.JoinedStr):
                    raised.patterns[_pattern(code)].add(status)
                    raised.where.setdefault(_pattern(code), where)
                else:
                    raise AssertionError(f"{where}: a code the catalogue test cannot read")
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Tuple)
                and _name(node.targets[0].elts[0]) == "code"
                and isinstance(node.value, ast.Tuple)
                and isinstance(node.value.elts[0], ast.Constant)
            ):
                code_value = node.value.elts[0].value
                raised.codes[code_value].add(_status_in_scope(tree, node))
                raised.where.setdefault(code_value, where)
    return raised


def _status_in_scope(tree: ast.Module, node: ast.Assign) -> int:
    """``code, message = ...`` sits under ``if status == N``: that N."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.If) and node in parent.body:
            for compare in ast.walk(parent.test):
                if (
                    isinstance(compare, ast.Compare)
                    and _name(compare.left) == "status"
                    and isinstance(compare.comparators[0], ast.Constant)
                ):
                    return int(compare.comparators[0].value)
    raise AssertionError(f"line {node.lineno}: cannot tell the status of this code")


def test_the_scan_finds_the_codes_it_should() -> None:
    raised = raised_codes()
    assert len(raised.codes) > 100
    assert raised.codes["member.not_registered"] == {404}
    assert raised.codes["request.bad_json"] == {400}
    assert raised.codes["import.rows_invalid"] == {422}  # a subclass's default code
    assert raised.patterns  # record.not_{status}


def test_every_raised_code_is_in_the_catalogue() -> None:
    raised = raised_codes()
    missing = {code: raised.where[code] for code in raised.codes if code not in BY_CODE}
    assert not missing, "add these to sunshine/error_codes.toml"


def test_every_catalogue_code_is_raised_somewhere() -> None:
    raised = raised_codes()
    unused = [
        entry.code
        for entry in CATALOGUE
        if entry.code not in raised.codes
        and not any(
            re.fullmatch(pattern, entry.code) and set(entry.statuses) == statuses
            for pattern, statuses in raised.patterns.items()
        )
    ]
    assert not unused, "nothing raises these: remove them from sunshine/error_codes.toml"


def test_every_pattern_matches_a_catalogue_code_of_its_status() -> None:
    raised = raised_codes()
    for pattern, statuses in raised.patterns.items():
        matched = [
            entry
            for entry in CATALOGUE
            if re.fullmatch(pattern, entry.code) and set(entry.statuses) == statuses
        ]
        assert matched, f"{raised.where[pattern]}: no catalogue code matches {pattern}"


def test_the_catalogue_gives_each_code_its_status() -> None:
    raised = raised_codes()
    wrong = {
        code: (sorted(statuses), BY_CODE[code].statuses)
        for code, statuses in raised.codes.items()
        if code in BY_CODE and set(BY_CODE[code].statuses) != statuses
    }
    assert not wrong


def test_each_code_is_listed_once_with_a_message_and_when() -> None:
    codes = [entry.code for entry in CATALOGUE]
    assert len(codes) == len(set(codes))
    assert all(entry.message and entry.when and entry.statuses for entry in CATALOGUE)


def test_the_docs_page_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "regenerate: python -m sunshine.error_catalogue > docs/errors.md"
    )
