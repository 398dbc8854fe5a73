"""Every error status a route can reach is declared on its operation, found statically.

``tests/contract.py`` fails a test whose response has a status its operation does not declare;
this finds the statuses no test provokes. From each route method it follows, by name, every
function of ``sunshine/`` it calls or passes on (``service.confirm``, ``_decide(service.approve,
…)``, through ``from … import`` re-exports), and collects the ``DomainError``s they construct
(the scan of ``tests/test_error_catalogue.py``). The walk over-approximates (a branch that
cannot be taken from this route still counts): ``NOT_REACHED`` says why for each such case.
401 and 403 are declared centrally on every operation that needs a token. WeChat's errors are
built in tables in ``sunshine/wechat/``, which the walk does not read: the operations that
call WeChat declare them by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import sunshine
from sunshine import errors
from tests.contract import openapi_path
from tests.test_error_catalogue import _name

ROOT = Path(sunshine.__file__).parent
METHODS = {"get", "post", "put", "patch", "delete"}
Key = tuple[str, str]  # (module, function or "Class.method")

# (operation, status): why the walk finds a code there that the operation cannot answer with.
NOT_REACHED = {
    ("auth.AccountEnable.post", 409): "account.cannot_disable_self: only when disabling",
    ("members.MyData.get", 404): "member.not_registered: the export reads own_member_or_none",
    **{
        (route, 404): "area.not_found: scoped_page looks an area up only for within_area_id, "
        "which this listing never passes"
        for route in (
            "corrections.Corrections.get",
            "roster.Roster.get",
            "access.Grants.get",
            "feedback.UnitFeedbackList.get",
        )
    },
    **{
        (route, 502): "wechat.error: moderation.ask catches every error of the text check; "
        "WeChat failing holds the text as pending (fail closed), it never fails the request"
        for route in (
            "tasks.TaskDetail.patch",
            "tasks.TaskPublish.post",
            "org.CommunityTeams.post",
            "needs.MyNeeds.post",
            "needs.MyNeedRating.post",
        )
    },
}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = ast.parse(path.read_text())
    return found


def _error_classes(modules: dict[str, ast.Module]) -> dict[str, tuple[int, str]]:
    classes = {
        name: (cls.status, cls.code)
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    }
    changed = True
    while changed:
        changed = False
        for tree in modules.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes:
                    base = next((classes[b] for b in map(_name, node.bases) if b in classes), None)
                    if base is not None:
                        default = next(
                            (
                                st.value.value
                                for st in node.body
                                if isinstance(st, ast.Assign)
                                and any(_name(t) == "code" for t in st.targets)
                                and isinstance(st.value, ast.Constant)
                            ),
                            base[1],
                        )
                        classes[node.name] = (base[0], default)
                        changed = True
    return classes


class Walk:
    def __init__(self) -> None:
        self.modules = _modules()
        self.classes = _error_classes(self.modules)
        self.imports: dict[str, dict[str, tuple[str, ...]]] = {}
        self.functions: dict[Key, ast.FunctionDef] = {}
        for module, tree in self.modules.items():
            self.imports[module] = self._imports(module, tree)
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    self.functions[module, node.name] = node
                elif isinstance(node, ast.ClassDef):
                    for method in node.body:
                        if isinstance(method, ast.FunctionDef):
                            self.functions[module, f"{node.name}.{method.name}"] = method

    def _imports(self, module: str, tree: ast.Module) -> dict[str, tuple[str, ...]]:
        is_package = (ROOT.joinpath(*module.split(".")[1:]) / "__init__.py").exists()
        package = module if is_package else module.rpartition(".")[0]
        names: dict[str, tuple[str, ...]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    names[alias.asname or alias.name] = (
                        ("module", full) if full in self.modules else ("name", base, alias.name)
                    )
        return names

    def _resolve(self, module: str, name: str, depth: int = 0) -> Key | None:
        if (module, name) in self.functions:
            return module, name
        ref = self.imports.get(module, {}).get(name)
        if ref and ref[0] == "name" and depth < 5:
            return self._resolve(ref[1], ref[2], depth + 1)
        return None

    def _step(self, key: Key) -> Iterator[Key | tuple[int, str]]:
        module = key[0]
        for node in ast.walk(self.functions[key]):
            if isinstance(node, ast.Call) and _name(node.func) in self.classes:
                status, default = self.classes[_name(node.func)]  # type: ignore[index]
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                yield status, code.value if isinstance(code, ast.Constant) else str(default)
            target = None
            if isinstance(node, ast.Name):
                target = self._resolve(module, node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                ref = self.imports[module].get(node.value.id)
                if ref and ref[0] == "module":
                    target = self._resolve(ref[1], node.attr)
            if target is not None:
                yield target

    def reachable(self, key: Key) -> dict[int, set[str]]:
        seen: set[Key] = set()
        todo = [key]
        found: dict[int, set[str]] = {}
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for item in self._step(current):
                if isinstance(item[0], int):
                    found.setdefault(item[0], set()).add(str(item[1]))
                else:
                    todo.append(item)  # type: ignore[arg-type]
        return found


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json  # type: ignore[assignment]
    return document


def test_every_status_a_route_can_reach_is_declared(app: Flask, spec: dict[str, Any]) -> None:
    walk = Walk()
    missing = []
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            continue
        blueprint = rule.endpoint.partition(".")[0]
        for method in (rule.methods or set()) & {m.upper() for m in METHODS}:
            key = (view_class.__module__, f"{view_class.__name__}.{method.lower()}")
            operation = spec["paths"].get(openapi_path(rule.rule), {}).get(method.lower())
            if key not in walk.functions or operation is None:
                continue
            checked += 1
            for status, codes in sorted(walk.reachable(key).items()):
                name = f"{blueprint}.{view_class.__name__}.{method.lower()}"
                if (
                    status not in (401, 403)
                    and str(status) not in operation["responses"]
                    and (name, status) not in NOT_REACHED
                ):
                    missing.append(f"{method} {rule.rule} → {status} ({', '.join(sorted(codes))})")
    assert checked > 100
    assert not missing, "declare these with @blp.alt_response"


def test_the_walk_follows_helpers_and_re_exports() -> None:
    walk = Walk()
    # _decide(service.approve, …): a function passed on, not called, is followed too.
    approve = walk.reachable(("sunshine.reportin.routes", "ReportInApprove.post"))
    assert "report_in.not_pending" in approve[409]
    # tasks.service re-exports cancel_signup from tasks/service/signups.py.
    cancel = walk.reachable(("sunshine.tasks.routes", "SignupCancel.post"))
    assert {"signup.cancelled", "signup.shift_started"} <= cancel[409]


def test_every_not_reached_entry_is_still_found_by_the_walk(app: Flask) -> None:
    """An exemption that the walk no longer needs is removed, not kept."""
    walk = Walk()
    modules = {
        rule.endpoint.partition(".")[0]: app.view_functions[rule.endpoint].view_class.__module__  # type: ignore[attr-defined]
        for rule in app.url_map.iter_rules()
        if hasattr(app.view_functions[rule.endpoint], "view_class")
    }
    for (name, status), _why in NOT_REACHED.items():
        blueprint, view, method = name.split(".")
        assert status in walk.reachable((modules[blueprint], f"{view}.{method}")), name
