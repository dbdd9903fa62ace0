"""Regenerate the tiny report-template fixtures used by tests/test_report.py and tests/e2e.

Run: .venv/bin/python tests/data/notebooks/build_fixtures.py
They follow the template conventions (parameters cell, metadata.dealresearch) but use only
matplotlib/pandas/IPython so the runner is tested independently of the real templates.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PARAMS = 'period = "2026Q4"\nproject = None\ndata_dir = None\n'
SETUP = (
    "import html\nimport json\n\n"
    "import matplotlib.pyplot as plt\nimport pandas as pd\n"
    "from IPython.display import HTML, display\n\n"
    'plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]\n'
    'plt.rcParams["axes.unicode_minus"] = False\n'
    'print("参数回显：" + json.dumps({"period": period, "project": project, "data_dir": data_dir}, ensure_ascii=False))'
)
CHART = (
    "fig, ax = plt.subplots(figsize=(6, 3))\n"
    'ax.bar(["朋友介绍", "老带新", "网络", "路过"], [42, 31, 18, 9], color="#2f5d8a")\n'
    'ax.set_title("认知途径（n=100）")\nax.set_ylabel("客户数")\nplt.show()'
)
WIDE_TABLE = (
    'wide = pd.DataFrame({f"指标{i}": [1234567.89 * (i + 1), 2345678.9] for i in range(18)}, index=["滨江壹号", "湖畔花园"])\n'
    "display(HTML(wide.to_html()))"
)


def nb(title, scope, order, cells):
    book = new_notebook()
    params = new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    book.cells = [params, new_code_cell(SETUP), *cells]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata["language_info"] = {"name": "python"}
    book.metadata["dealresearch"] = {"title": title, "scope": scope, "order": order}
    return book


def main():
    books = {
        "fx_summary": nb(
            "测试总览报告",
            "group",
            1,
            [
                new_code_cell(
                    'display(HTML("<h1>测试总览报告</h1><p>" + html.escape(f"期间 {period}") + "</p>"))\n'
                    'display(HTML("<h2>摘要</h2><p>本期成交 100 套，同比增长 12.5%。</p>"))'
                ),
                new_markdown_cell("## 认知途径\n\n朋友介绍仍是第一渠道。"),
                new_code_cell(CHART),
                new_markdown_cell("### 分项目指标"),
                new_code_cell(WIDE_TABLE),
                new_code_cell(
                    'import warnings\nwarnings.warn("读者不应看到的警告")\n'
                    "fig, ax = plt.subplots()\nplt.close(fig)\nax  # a bare repr: hidden from readers"
                ),
            ],
        ),
        "fx_project": nb(
            "测试项目报告",
            "both",
            2,
            [
                new_code_cell(
                    'scope = project if project is not None else "全集团"\n'
                    'display(HTML("<h2>摘要</h2><p>范围：" + html.escape(scope) + "</p>"))'
                ),
                new_code_cell(CHART),
            ],
        ),
        "fx_broken": nb(
            "测试故障报告",
            "group",
            3,
            [
                new_code_cell('display(HTML("<h2>摘要</h2><p>一切正常。</p>"))'),
                new_markdown_cell("## 客户画像\n\n年龄分布如下。"),
                new_code_cell(
                    'ages = pd.Series([None, None], dtype="float")\nif ages.isna().all():\n    raise ValueError("年龄字段全部缺失，无法计算年龄分布")'
                ),
                new_markdown_cell("## 不会执行到的章节"),
                new_code_cell('display(HTML("<p>unreachable</p>"))'),
            ],
        ),
    }
    for name, book in books.items():
        nbformat.write(book, HERE / f"{name}.ipynb")
    # a kernel that dies mid-report (e.g. out of memory), in its own folder
    crash = nb(
        "测试崩溃报告",
        "group",
        1,
        [
            new_markdown_cell("## 成交结构"),
            new_code_cell("import os\nos._exit(1)"),
        ],
    )
    (HERE / "crash").mkdir(exist_ok=True)
    nbformat.write(crash, HERE / "crash" / "fx_crash.ipynb")
    # a notebook without metadata.dealresearch (like the exploration starter): never run
    starter = new_notebook(cells=[new_markdown_cell("# 探索笔记本"), new_code_cell("1 + 1")])
    nbformat.write(starter, HERE / "explore_starter.ipynb")


if __name__ == "__main__":
    main()
