"""Dependencies as they are used: every third-party module the packages import is declared in
pyproject.toml's dependencies, and what only the tests import is in the `test` extra."""

from __future__ import annotations

import ast
import pathlib
import re
import sys

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "sim", "experiments", "figures")
# Import name -> distribution name, where they differ.
DISTRIBUTION = {"yaml": "pyyaml"}


def _optional(tree) -> set[int]:
    """ids of the import nodes guarded by `try: ... except ImportError` (optional extras such
    as pandas or wandb, which the code works without)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
            for h in node.handlers
        ):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return guarded


def _top_level_imports(paths) -> set[str]:
    """Top-level modules imported (optional ones left out, and modules a test skips without:
    `pytest.importorskip`)."""
    out = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        optional = _optional(tree)
        skipped = {
            node.args[0].value.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                out |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.add(node.module.split(".")[0])
        out -= skipped
    return out


def _third_party(names: set[str]) -> set[str]:
    ours = set(PACKAGES) | {"tests", "__future__"}
    return {DISTRIBUTION.get(n, n) for n in names - ours - set(sys.stdlib_module_names)}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _package_files():
    return (p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_runtime_imports_are_declared():
    used = _third_party(_top_level_imports(_package_files()))
    assert {"jax", "numpy", "rich", "scipy"} <= used  # the scan sees the imports it should
    missing = used - _names(_project()["dependencies"])
    assert not missing, f"imported by the packages but not declared: {sorted(missing)}"


def test_test_only_imports_are_in_the_test_extra():
    project = _project()
    runtime = _names(project["dependencies"])
    used_by_packages = _third_party(_top_level_imports(_package_files()))
    test_only = _third_party(_top_level_imports((ROOT / "tests").rglob("*.py"))) - runtime
    assert "hypothesis" in test_only and "hypothesis" not in used_by_packages
    missing = test_only - _names(project["optional-dependencies"]["test"])
    assert not missing, f"imported by the tests but not in the test extra: {sorted(missing)}"
    unused = runtime - used_by_packages
    assert not unused, f"declared at run time but imported only by tests (or not at all): {unused}"
