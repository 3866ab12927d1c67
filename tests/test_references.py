"""Every reference true: a module path (``model.x.y``), a file path (``x/y.py``, ``model/x/…``) or a
repository file name in backticks, written in a docstring or comment under ``model/``, in README.md,
docs/*.md or data/README.md, names something that exists."""
import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "model"
DOCS = [ROOT / "README.md", ROOT / "data" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", "out", ".pytest_cache", ".ruff_cache"}

# names that are outputs or the user's own files, not files of the repository
EXCEPTIONS = {
    "results.nc", "summary.json", "allocation.csv", "report.xlsx", "report.html", "run.json", "batch.json",
    "index.csv", "combined.nc", "compare.xlsx", "compare.html", "arrays.npz", "scenario.yaml", "summary.csv",
    "ranges.csv", "ranges_by_slack.csv", "builds.csv", "local_builds.csv", "model.mps", "my_scenario.yaml",
    "my_cf.csv", "my_shapes.csv", "measured.csv", "a.yaml", "b.yaml", "team.db", "workspace.db",
    "FUTURES.yaml", "FILE.mps", "iamc.csv", "manifest.json", "frontier.csv",
    "city_coordinates.json",  # pyecharts' file, the source of the capitals' coordinates
}
EXCEPTION_PREFIXES = ("DIR/", "out/", "~/", "/", "http", "tests/artifacts/", "scenarios/.tmp-")

DOTTED = re.compile(r"(?<![\w./-])model(?:\.[A-Za-z_]\w*)+")
SLASHED = re.compile(r"(?<![\w./<-])(?:[A-Za-z_][\w-]*/)+[A-Za-z_][\w-]*(?:\.py|\.md|\.csv|\.yaml|\.toml|\.ipynb|\.json|/)?")
TICKED = re.compile(r"`([^`\s]+)`")
FILE_NAME = re.compile(r"^[\w.-]+\.(?:py|md|csv|yaml|yml|toml|ipynb|json|nc|xlsx|html|txt|cfg)$")
KNOWN_ROOTS = {"model", "tests", "data", "docs", "notebooks", "benchmarks", ".ci"}
MODEL_DIRS = {p.name for p in MODEL.iterdir() if p.is_dir()} | {p.stem for p in MODEL.glob("*.py")}


def _files() -> set[str]:
    out = set()
    for p in ROOT.rglob("*"):
        if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts):
            out.add(p.name)
    return out


ALL_NAMES = _files()


def _dotted_ok(ref: str) -> bool:
    parts = ref.split(".")
    for n in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:n])
        src = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if src.is_file():
            rest = parts[n:]
            if not rest:
                return True
            text = src.read_text(encoding="utf-8")
            return re.search(rf"\b{re.escape(rest[0])}\b", text) is not None
        if base.is_dir():
            return not parts[n:]
    return False


def _path_ok(ref: str) -> bool:
    if ref.startswith(EXCEPTION_PREFIXES) or "*" in ref:
        return True
    ref = ref.rstrip("/").removesuffix("/…").rstrip(".")
    first = ref.split("/")[0]
    if first in KNOWN_ROOTS:
        return (ROOT / ref).exists() or (ROOT / ref).with_suffix(".py").exists()
    if first in MODEL_DIRS:  # a path inside model/ written without the model/ prefix
        return (MODEL / ref).exists() or (MODEL / ref).with_suffix(".py").exists()
    return True  # not a path into the repository (a unit such as yuan/MWh, an option a/b)


def _name_ok(ref: str) -> bool:
    return ref in EXCEPTIONS or ref in ALL_NAMES


def _texts_of(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the docstrings and comments of a Python file."""
    src = path.read_text(encoding="utf-8")
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            out.append((tok.start[0], tok.string))
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                out.append((body[0].lineno, body[0].value.value))
    return out


def _moved(ref: str) -> str:
    """Where a test file named by its path before tests/ was grouped by stage is now, if anywhere."""
    name = ref.rsplit("/", 1)[-1]
    if not (ref.startswith("tests/") and name.startswith("test_") and name.endswith(".py")):
        return ""
    found = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob(name))
    return f" (now {found[0]})" if found else ""


def _stale(texts: list[tuple[int, str]], where: str, markdown: bool) -> list[str]:
    bad = []
    for line, text in texts:
        if markdown:  # code blocks hold commands with the user's own paths; check the prose
            text = re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
            bad += [b for n, row in enumerate(text.splitlines(), line) for b in _stale([(n, row)], where, markdown=False)]
            continue
        for ref in set(DOTTED.findall(text)):
            if not _dotted_ok(ref.rstrip(".")):
                bad.append(f"{where}:{line}: {ref}")
        for ref in set(SLASHED.findall(text)):
            if not _path_ok(ref):
                bad.append(f"{where}:{line}: {ref}{_moved(ref)}")
        for ref in set(TICKED.findall(text)):
            if "/" not in ref and FILE_NAME.match(ref) and not _name_ok(ref):
                bad.append(f"{where}:{line}: {ref}")
    return bad


def test_docstrings_and_comments_in_the_package_name_what_exists():
    bad = []
    for path in sorted(MODEL.rglob("*.py")):
        bad += _stale(_texts_of(path), str(path.relative_to(ROOT)), markdown=False)
    assert not bad, "stale references:\n" + "\n".join(bad)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_documents_name_what_exists(doc):
    bad = _stale([(1, doc.read_text(encoding="utf-8"))], str(doc.relative_to(ROOT)), markdown=True)
    assert not bad, "stale references:\n" + "\n".join(bad)


def test_the_check_catches_a_stale_reference():
    text = "see ``model/app/nothing.py``, model.run.Nothing, ``gone.csv`` and ``studies/gone.py``"
    assert sorted(_stale([(1, text)], "x", markdown=False)) == sorted(
        ["x:1: model/app/nothing.py", "x:1: model.run.Nothing", "x:1: gone.csv", "x:1: studies/gone.py"])
