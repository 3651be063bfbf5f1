"""The model core imports neither streamlit nor plotly (the dependency points one way)."""
import ast
import subprocess
import sys
from pathlib import Path

from helpers import cli_env

PROBE = """
import sys
import infformer, infformer.tracing.record, infformer.cli.main, infformer.training.train, infformer.io.checkpoint, infformer.core.generate
import infformer.corpora.data, infformer.io.tokenizer, infformer.core.memory, infformer.core.model
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))
print(','.join(bad))
"""


def forbidden_modules(probe: str, cwd) -> str:
    """Run a probe in a fresh interpreter; it prints the forbidden modules it found loaded."""
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=cwd,
                       env=cli_env())
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_core_imports_no_ui_libraries(tmp_path):
    bad = forbidden_modules(PROBE, tmp_path)
    assert bad == "", f"infformer imported: {bad}"


def test_public_api_names():
    import infformer
    for name in ("GaussianBasis", "fit_coefficients", "reconstruct", "LTMConfig", "ModelConfig", "VARIANTS",
                 "LayerMemory", "MemoryState", "InfFormer"):
        assert hasattr(infformer, name), name
    assert {"none", "stm", "ltm", "sticky"} <= set(infformer.VARIANTS)


VIZ_PROBE = """
import sys
import infformer.viz
from infformer.viz import attention, common, excerpts, experiments, lab, signal, sorting, sticky
bad = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'
             or m in ('infformer.core.model', 'infformer.tracing.run', 'infformer.tracing.fit_targets', 'infformer.training.train'))
print(','.join(bad))
"""


def test_viz_imports_neither_the_model_nor_streamlit(tmp_path):
    """infformer.viz takes a trace or arrays and returns figures: it cannot run the model."""
    bad = forbidden_modules(VIZ_PROBE, tmp_path)
    assert bad == "", f"infformer.viz imported: {bad}"


# ----------------------------------------------------------------------------- the package graph
PACKAGE = Path(__file__).resolve().parent.parent / "infformer"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: infformer modules it imports}, read from the source (every import, at the top or in a
    function), relative imports resolved; `from pkg import mod` counts as importing `pkg.mod`."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            edges |= {t for t in targets if t in modules and t != name}
        graph[name] = edges
    return graph


def reachable(graph, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_import_circles():
    graph = import_graph()
    circles = sorted(m for m in graph if m in reachable(graph, m) and not m.endswith("__init__"))
    assert not circles, f"modules that import themselves through others: {circles}"


def test_core_imports_nothing_else_of_infformer():
    graph = import_graph()
    for module in (m for m in graph if m.startswith("infformer.core")):
        outside = {t for t in reachable(graph, module) if not t.startswith("infformer.core")} - {"infformer"}
        assert not outside, f"{module} reaches {sorted(outside)}"


def test_viz_reaches_neither_the_model_nor_training():
    graph = import_graph()
    forbidden = ("infformer.core.model", "infformer.tracing.run", "infformer.training", "infformer.cli")
    for module in (m for m in graph if m.startswith("infformer.viz")):
        bad = {t for t in reachable(graph, module) if t.startswith(forbidden)}
        assert not bad, f"{module} reaches {sorted(bad)}"


def test_dependencies_point_one_way():
    """Lower layers never import higher ones: core < tracing, io < corpora < training < experiments < cli."""
    order = ["core", "io", "tracing", "corpora", "training", "experiments", "cli"]
    rank = {f"infformer.{p}": i for i, p in enumerate(order)}

    def layer(m):
        return next((r for p, r in rank.items() if m == p or m.startswith(p + ".")), None)
    for module, edges in import_graph().items():
        for target in edges:
            if layer(module) is not None and layer(target) is not None:
                assert layer(target) <= layer(module), f"{module} (lower) imports {target} (higher)"


def test_every_subpackage_says_what_it_is_for():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc.splitlines()) >= 3 and "Read" in doc or init.parent == PACKAGE, init


def test_app_helpers_have_no_import_circles():
    """pages/_*.py import each other one way (documents <- settings <- URL <- runs <- widgets)."""
    root = PACKAGE.parent / "pages"
    helpers = {p.stem: p for p in root.glob("_*.py")}
    graph = {}
    for name, path in helpers.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("pages."):
                    edges.add(node.module.split(".")[1])
                elif node.module == "pages":
                    edges |= {a.name for a in node.names}
        graph[name] = edges & set(helpers)
    circles = sorted(m for m in graph if m in reachable(graph, m))
    assert not circles, f"pages helpers in a circle: {circles}"
