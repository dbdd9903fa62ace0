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
ANALYSIS = ["profile", "derive", "stats", "satisfaction", "satisfaction_groups", "drivers", "followups", "pls",
            "pls_report", "survey_plan", "survey_base", "survey_rules", "survey_schedule", "coverage", "segments",
            "personas", "sales", "attainment", "growth", "performance", "strategy"]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize("module", ANALYSIS)
def test_analysis_modules_do_no_file_io(module):
    src = (PKG / f"{module}.py").read_text(encoding="utf-8")
    io_calls = re.findall(r"\b(open\(|to_parquet|read_parquet|to_excel|read_excel|read_csv|to_csv|savefig|write_text)",
                          src)
    assert not io_calls, f"{module}.py performs file I/O: {io_calls}"


def test_import_has_no_side_effects():
    code = ("import logging, warnings, matplotlib as mpl, pandas, scipy.stats, sklearn.cluster, seaborn;"  # theirs
            "before = dict(mpl.rcParams); n = len(warnings.filters);"
            "import dealresearch, dealresearch.profile, dealresearch.satisfaction, dealresearch.segments,"
            " dealresearch.sales, dealresearch.survey_plan, dealresearch.plots;"
            "assert dict(mpl.rcParams) == before, 'rcParams changed at import';"
            "assert len(warnings.filters) == n, 'warning filters changed at import';"
            "assert not logging.getLogger().handlers, 'logging configured at import'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"MPLBACKEND": "Agg",
                          "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert proc.returncode == 0, proc.stderr


def test_notebook_templates_are_committed_without_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and not cell.get("execution_count"), path.name
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
