"""Imports point downward, and no module imports itself through others (DESIGN.md "Layers").

Pure: every module under src/painpath is parsed with `ast`; nothing is imported or run. Every import
counts, wherever it stands: at module level, inside a function, or under `if TYPE_CHECKING:`. An import
inside a function is still a dependency (it only runs later), and a function-level import used to break a
circle hides the circle instead of removing it, so the rules make no exception for it. (Discovery by name,
`slices.slice_modules`, is not an import: it is how the application finds the slices' parts.)

The layers, lowest first:

    core, and painpath.slices (the plain lists of slices)
    knowledge, interop, documents          (may import core)
    facts                                  (the episode facts: may import the layers below)
    the slices, in `painpath.slices.LAYERS` order: a slice may import only slices listed before it,
      with the route support every slice's pages and views stand on: painpath.context and the web
      toolkit (web/deps, forms, templating, ...), which import no slice but worklist (a request's writes
      end with a reconcile)
    web/app.py and the web's own routers, cli.py, jobs.py, demo*.py   (the application: may import anything)

One allowance between slices: a parent package aggregating its sub-slices (`medications/models.py`
importing `medications.opioids.models` so that `medications` brings its tables along; the same for
access.py and obligations.py) may import them wherever they stand in LAYERS. Any other import of a
sub-slice by its parent follows LAYERS like any slice.

KNOWN lists the violations not fixed yet, each with its reason; it can only shrink: a new violation fails,
and so does a listed one that is gone (take it off the list).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from painpath.slices import LAYERS, SLICES

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "painpath"

FOUNDATION = ("core", "slices")
BELOW_FACTS = ("knowledge", "interop", "documents")
FACTS = ("facts",)
# What every slice's routes stand on: the app context and the web toolkit (not the web's own routers).
ROUTE_SUPPORT = ("painpath.context", "painpath.web", "painpath.web.deps", "painpath.web.forms", "painpath.web.templating",
                 "painpath.web.wording", "painpath.web.errors", "painpath.web.error_responses", "painpath.web.retry",
                 "painpath.web.security_headers")
ROUTE_SUPPORT_SLICES = ("worklist",)  # the only slice route support imports: a request's writes end with a reconcile
# The simulator drives every slice's services against a throwaway database, as the application does.
APPLICATION = ("web", "cli", "jobs", "demo", "demo_facts", "demo_states", "simulation", "__init__")
AGGREGATING = ("__init__", "models", "access", "obligations")  # a parent's modules that bring its sub-slices along
LAYER_NAMES = {0: "core", 1: "knowledge/interop/documents", 2: "facts", 3: "slices", 4: "application"}

# (importing module, imported module): violations not fixed yet, with why.
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(SRC)}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The longest known module that `name` names or lies in (`painpath.a.b.func` -> `painpath.a.b`)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def imports(known: dict[str, Path]) -> Iterator[Import]:
    for source, path in known.items():
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                # `from painpath.x import y` imports module painpath.x.y when there is one, else a name of painpath.x.
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                if not name.startswith("painpath"):
                    continue
                target = _resolve(name, known)
                if target and target != source:
                    yield Import(source, target, path, node.lineno)


def slice_of(module: str) -> str | None:
    """The most specific slice a module belongs to (`painpath.intake.records.pages` -> `intake.records`)."""
    rest = module.removeprefix("painpath.")
    found = None
    for name in SLICES:
        if rest == name or rest.startswith(name + "."):
            if found is None or len(name) > len(found):
                found = name
    return found


def layer(module: str) -> int:
    rest = module.removeprefix("painpath").lstrip(".") or "__init__"
    top = rest.split(".")[0]
    if module in ROUTE_SUPPORT:
        return 3
    if top in FOUNDATION:
        return 0
    if top in BELOW_FACTS:
        return 1
    if top in FACTS:
        return 2
    if slice_of(module) is not None:
        return 3
    if top in APPLICATION or top.startswith("demo"):
        return 4
    raise AssertionError(f"{module} is in no layer: add it to tests/test_layers.py")


def test_every_module_has_a_layer():
    for module in modules():
        layer(module)


def violations(known: dict[str, Path]) -> dict[tuple[str, str], str]:
    """Every import that breaks a rule of the module docstring, with the rule it breaks."""
    rank = {name: index for index, name in enumerate(LAYERS)}
    found: dict[tuple[str, str], str] = {}
    for i in imports(known):
        source, target = slice_of(i.source), slice_of(i.target)
        if layer(i.target) > layer(i.source):
            found.setdefault((i.source, i.target), f"{i} ({LAYER_NAMES[layer(i.source)]} below {LAYER_NAMES[layer(i.target)]})")
        elif i.source in ROUTE_SUPPORT and target is not None and target not in ROUTE_SUPPORT_SLICES:
            found.setdefault((i.source, i.target), f"{i} (route support imports no slice but {', '.join(ROUTE_SUPPORT_SLICES)})")
        elif source is not None and target is not None and source != target:
            aggregating = target.startswith(source + ".") and i.source.rpartition(".")[2] in AGGREGATING
            if not aggregating and rank[target] > rank[source]:
                found.setdefault((i.source, i.target), f"{i} (slice {source} is listed before {target} in LAYERS)")
    return found


def test_every_slice_is_a_layer():
    assert sorted(LAYERS) == sorted(SLICES) and len(set(LAYERS)) == len(LAYERS)


def test_imports_point_downward():
    found = violations(modules())
    new = [why for pair, why in sorted(found.items()) if pair not in KNOWN]
    gone = [f"{a} -> {b}" for a, b in KNOWN if (a, b) not in found]
    assert not new, "imports that point upward:\n" + "\n".join(new)
    assert not gone, "fixed, take them off KNOWN:\n" + "\n".join(gone)


def test_no_import_cycles():
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    where: dict[tuple[str, str], Import] = {}
    for found in imports(known):
        graph[found.source].add(found.target)
        where.setdefault((found.source, found.target), found)
    cycles = [cycle for cycle in _cycles(graph)]
    described = ["\n  ".join(str(where[(a, b)]) for a, b in zip(cycle, [*cycle[1:], cycle[0]])) for cycle in cycles]
    assert not cycles, "import cycles:\n  " + "\n\n  ".join(described)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan's algorithm, then a
    path around the component), so the report names modules that really import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [_path_around(graph, component) for component in components]


def _path_around(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first back to it)."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return sorted(component)
