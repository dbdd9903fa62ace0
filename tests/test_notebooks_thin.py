"""Report notebooks are thin: parameters, loading, one call per section — no control flow."""

from __future__ import annotations

import json
import re

import pytest

from dealresearch import config

CONTROL = re.compile(r"\b(if|for|while|def|lambda)\b")
REPORTS = sorted(p for p in config.notebooks_dir().glob("*.ipynb") if not p.name.startswith("00_"))


def test_there_are_report_notebooks():
    assert len(REPORTS) >= 6


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_no_report_notebook_cell_holds_control_flow(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [(i, m.group(0)) for i, c in enumerate(cells) if c["cell_type"] == "code"
             for m in [CONTROL.search("".join(c["source"]))] if m]
    assert not found, f"{path.name}: control flow in code cells {found}; move it into dealresearch.present"
