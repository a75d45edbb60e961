"""The import rule of the house: each layer imports only the layers below it, with no cycles.

theory <- sim (shared roles <- backends table, lm; a backend never imports the other)
       <- experiments; figures import theory only; sim imports neither experiments nor figures.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "sim", "experiments", "figures")
# What each layer may import from the project (by top-level package, or sim backend).
ALLOWED = {
    "theory": {"theory"},
    "sim": {"theory", "sim"},
    "figures": {"theory", "figures"},
    "experiments": {"theory", "sim", "figures", "experiments"},
}
BACKENDS = ("sim.table", "sim.lm")


def _module(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path) -> set[str]:
    """Project modules imported anywhere in the file (function-level imports included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {_module(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        # "from sim import allocate" names a module; "from sim.types import Array" a symbol
        graph[name] = {m if m in modules else m.rsplit(".", 1)[0] for m in _imports(path)}
        graph[name] = {m for m in graph[name] if m in modules and m != name}
    return graph


def test_layers_import_only_downwards():
    bad = []
    for module, deps in _graph().items():
        layer = module.split(".")[0]
        for dep in deps:
            if dep.split(".")[0] not in ALLOWED[layer]:
                bad.append(f"{module} imports {dep}")
            for backend in BACKENDS:
                other = [b for b in BACKENDS if b != backend]
                if module.startswith(backend) and any(dep.startswith(o) for o in other):
                    bad.append(f"backend {module} imports the other backend: {dep}")
            # shared roles (sim/*.py, not the package's re-exports) import no backend
            shared = layer == "sim" and module.count(".") == 1 and module != "sim"
            if shared and dep.startswith(BACKENDS):
                bad.append(f"shared role {module} imports backend {dep}")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_cycles():
    graph = _graph()
    # the package re-exports (sim/__init__) are an entry point, not a dependency: drop edges to
    # package __init__ modules so that "import sim.types" does not count as importing sim/*.
    packages = {m for m in graph if (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: {d for d in deps if d not in packages} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m, stack):
        state[m] = 1
        for d in graph.get(m, ()):
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d) :] + [d]))
            elif d not in state:
                visit(d, stack + [d])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_modules_stay_small():
    long = {
        str(p.relative_to(ROOT)): n
        for pkg in PACKAGES
        for p in (ROOT / pkg).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 320
    }
    assert not long, f"modules over ~300 lines: {long}"
