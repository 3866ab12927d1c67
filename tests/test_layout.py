"""The package reads as the pipeline and imports run one way: a stage imports only the stages
before it (inputs → formulation → solve → results → run → reports → workspace → studies → app / cli)."""
import ast
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[1] / "model"
STAGES = ["errors", "strict_json", "atomic", "inputs", "formulation", "solve", "results", "run", "reports", "workspace", "studies", "app", "cli"]
SHARED = {"errors", "strict_json", "atomic"}  # utilities every stage may use


def _stage(module: str) -> str:
    return module.split(".")[1] if module.startswith("model.") else module


def _imports(path: Path) -> set[str]:
    """model.* modules a file imports (absolute names, relative imports resolved)."""
    pkg = ".".join(("model",) + path.relative_to(MODEL).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("model"):
                out |= {name} if node.module or not node.level else {f"{name}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("model")}
    return {n for n in out if n.count(".") >= 1}


@pytest.mark.parametrize("path", sorted(MODEL.rglob("*.py")), ids=lambda p: str(p.relative_to(MODEL)))
def test_a_stage_imports_only_earlier_stages(path):
    rel = path.relative_to(MODEL)
    own = rel.parts[0].removesuffix(".py")
    if own == "__init__":
        return
    assert own in STAGES, f"model/{rel}: {own} is not a pipeline stage (add it to STAGES in order)"
    for name in _imports(path):
        stage = _stage(name)
        assert stage in STAGES, f"model/{rel} imports {name}"
        if stage in SHARED or stage == own:
            continue
        assert STAGES.index(stage) < STAGES.index(own), f"model/{rel} ({own}) imports {name} ({stage}): upward"
