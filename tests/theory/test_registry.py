"""The claim registry points at functions and tests that exist."""

import ast
import importlib
from pathlib import Path

from theory.registry import CLAIMS, table

ROOT = Path(__file__).resolve().parents[2]


def test_every_claim_is_registered_once():
    assert [c.id for c in CLAIMS] == [f"C{i}" for i in range(1, 9)]


def test_functions_exist_and_name_their_claim():
    for claim in CLAIMS:
        for path in claim.functions:
            module, name = path.rsplit(".", 1)
            fn = getattr(importlib.import_module(module), name)
            assert callable(fn)
            if name != "odds":
                assert fn.__doc__ and claim.id in fn.__doc__, (claim.id, path)


def test_tests_exist():
    for claim in CLAIMS:
        assert claim.tests
        for node in claim.tests:
            file, name = node.split("::")
            tree = ast.parse((ROOT / file).read_text())
            names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name in names, node


def test_table_lists_each_claim():
    text = table()
    for claim in CLAIMS:
        assert claim.id in text and claim.title in text
