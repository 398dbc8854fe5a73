"""The benches in bench/ use the app's modules and functions, and nothing else runs them in
the test suite: importing each one here fails the suite as soon as something they use moves.
``scripts/bench-smoke`` (run by CI after the PostgreSQL suite) runs them on tiny data."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
BENCHES = sorted(p.stem for p in BENCH.glob("*.py"))
SHARED = sorted(p.stem for p in (BENCH / "_lib").glob("*.py") if p.stem != "__init__")


def _imported(path: Path) -> set[str]:
    """The top-level names of the modules a file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_every_bench_is_found() -> None:
    assert len(BENCHES) >= 6
    assert "_common" not in BENCHES and "province_data" not in BENCHES  # now in bench/_lib


@pytest.mark.parametrize("name", BENCHES)
def test_bench_imports_and_accepts_smoke(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))  # as Python does for a script in bench/
    module = importlib.import_module(name)
    args = module.parse_args(["--smoke"])
    assert args.smoke


@pytest.mark.parametrize("name", SHARED)
def test_shared_module_imports(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    importlib.import_module(f"_lib.{name}")


@pytest.mark.parametrize("path", sorted(BENCH.rglob("*.py")), ids=lambda p: p.stem)
def test_no_bench_imports_another(path: Path) -> None:
    """Shared code lives in bench/_lib; a bench imports no other bench."""
    assert not _imported(path) & set(BENCHES)


def test_every_bench_runs_in_the_smoke_script() -> None:
    script = (BENCH.parent / "scripts" / "bench-smoke").read_text()
    listed = set(re.findall(r"^\s+\[(\w+)\]=", script, flags=re.MULTILINE))
    assert listed == set(BENCHES)
