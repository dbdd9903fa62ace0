"""The architecture rules of DESIGN.md, checked: import contracts, no I/O in analysis,
no import-time side effects, notebooks committed clean."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dealresearch"
#: the analysis areas: pure computation on frames (no file I/O); derived from the package tree
AREAS = ("profile", "satisfaction", "survey_plan", "segments", "sales", "metrics", "strategy")
SHARED = ("derive", "stats", "banner", "weighting", "fmt", "periods", "schema", "results")
ANALYSIS = sorted(
    [str(p.relative_to(PKG)) for area in AREAS for p in (PKG / area).rglob("*.py")]
    + [f"{m}.py" for m in SHARED]
)
#: the top level holds only the foundation and shared modules besides the packages
TOP_LEVEL_MODULES = {"__init__", "config", "errors", "results", "periods", "schema", "fmt", *SHARED}


def test_the_top_level_holds_only_foundation_and_shared_modules():
    found = {p.stem for p in PKG.glob("*.py")}
    assert found <= TOP_LEVEL_MODULES, f"modules outside a package: {sorted(found - TOP_LEVEL_MODULES)}"
    assert all((PKG / a / "__init__.py").is_file() for a in AREAS)


def test_every_top_level_module_is_in_the_layers_contract():
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")
    assert layers.get("exhaustive") is True
    named = {m.strip() for layer in layers["layers"] for m in layer.replace(":", "|").split("|")}
    children = {p.stem for p in PKG.glob("*.py") if p.stem != "__init__"} | {
        p.parent.name for p in PKG.glob("*/__init__.py")}
    assert children == named, f"not in a layer: {sorted(children - named)}; unknown: {sorted(named - children)}"


def test_no_module_is_longer_than_400_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_no_lazy_reexports():
    lazy = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
            if re.search(r"^def __getattr__|importlib\.import_module", p.read_text(encoding="utf-8"), re.M)]
    assert not lazy, lazy


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize("module", ANALYSIS)
def test_analysis_modules_do_no_file_io(module):
    src = (PKG / module).read_text(encoding="utf-8")
    io_calls = re.findall(r"(?<![.\w])(open\(|\bto_parquet|read_parquet|to_excel|read_excel|read_csv|to_csv|savefig|write_text)",
                          src)
    assert not io_calls, f"{module} performs file I/O: {io_calls}"


def test_import_has_no_side_effects():
    code = ("import logging, warnings, matplotlib as mpl, pandas, scipy.stats, sklearn.cluster, seaborn;"  # theirs
            "before = dict(mpl.rcParams); n = len(warnings.filters);"
            "import dealresearch, dealresearch.profile, dealresearch.satisfaction, dealresearch.segments,"
            " dealresearch.sales.ledger, dealresearch.survey_plan.planner, dealresearch.plots;"
            "assert dict(mpl.rcParams) == before, 'rcParams changed at import';"
            "assert len(warnings.filters) == n, 'warning filters changed at import';"
            "assert not logging.getLogger().handlers, 'logging configured at import'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"MPLBACKEND": "Agg",
                          "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert proc.returncode == 0, proc.stderr


def test_notebook_templates_are_committed_without_outputs():
    for path in (ROOT / "notebooks").rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and not cell.get("execution_count"), path.name
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"


def test_tests_mirror_the_packages():
    """tests/<package>/test_<module>.py: every test folder is named after a package."""
    packages = {p.parent.name for p in PKG.glob("*/__init__.py")}
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders - {"data", "e2e"} <= packages, sorted(folders - {"data", "e2e"} - packages)
    past_work = [p.name for p in (ROOT / "tests").rglob("test_*.py")
                 if re.search(r"speedups|fastpaths|compact|_trust_|hostile_(cli|outputs|report)", p.name)]
    assert not past_work, past_work
