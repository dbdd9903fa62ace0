"""Thin command line: every subcommand calls one library function.

Errors meant for analysts (``DealResearchError``) are printed in Chinese without a
traceback; the exit code is 2 for a failure (ingest also uses 1 for "rows rejected").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__, config
from .errors import DealResearchError, InputFileError


def _existing(paths: list[str]) -> list[Path]:
    out = [Path(p) for p in paths]
    missing = [str(p) for p in out if not p.exists()]
    if missing:
        raise InputFileError("找不到以下输入文件，请检查路径：" + "；".join(missing))
    return out


def _sample_sets(store) -> dict[str, list[Path]]:
    """The generated sample's files by kind, from its truth.json."""
    folder = config.sample_dir(store)
    truth = folder / "truth.json"
    if not truth.is_file():
        raise InputFileError(f"样例数据不存在：{truth}。请先运行 dealresearch sample（或 make sample）。")
    t = json.loads(truth.read_text(encoding="utf-8"))
    keys = {"deals": "deal_files", "surveys": "survey_files", "targets": "target_files"}
    return {kind: [folder / f for f in t[key]] for kind, key in keys.items()}


def cmd_sample(args) -> int:
    from . import synth

    out = Path(args.out) if args.out else config.sample_dir(args.store)
    truth = synth.generate(out, seed=args.seed)
    e = truth["expected"]
    print(f"已生成样例数据：{out}")
    print(f"  成交记录 {e['rows_clean']:,} 条（导出行 {e['rows_read']:,}，其中预埋问题行 "
          f"{e['rows_rejected'] + e['duplicates_merged'] + e['non_data_rows']:,}），"
          f"调查 {truth['surveys']['n_surveys']:,} 份")
    return 0


def cmd_ingest(args) -> int:
    from .ingest import ingest_command

    if args.sample:
        sets = _sample_sets(args.store)
        codes = [ingest_command(sets[k], store=args.store, kind=k, progress=not args.quiet)
                 for k in ("deals", "surveys", "targets")]
        return max(codes)
    if not args.paths:
        raise InputFileError("请给出要导入的文件路径，或使用 --sample 导入样例数据。")
    return ingest_command(_existing(args.paths), store=args.store, kind=args.kind, progress=not args.quiet)


def cmd_report(args) -> int:
    from .report import report_command

    return report_command(period=args.period, latest=args.latest, projects=args.project or None,
                          only=args.only or None, overwrite=args.overwrite, jobs=args.jobs,
                          data_dir=args.store)


def cmd_survey_plan(args) -> int:
    from .worklists_plan import survey_plan_command

    path = survey_plan_command(args.year, store=args.store, out=args.out,
                               include_contacts=args.include_contacts, min_share=args.min_share,
                               cycle_years=args.cycle_years, seed=args.seed)
    print(f"调查计划已写入：{path}")
    return 0


def cmd_followups(args) -> int:
    from .ingest import load
    from .worklists import export_followups

    out = Path(args.out) if args.out else config.reports_dir() / "followups" / f"回访跟进清单_{args.period or '全部'}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    fu = export_followups(load("surveys", store=args.store), out, period=args.period, project=args.project,
                          sla_days=args.sla_days, updates_path=args.updates, store=args.store)
    print(f"回访跟进清单已写入：{out}（共 {len(fu):,} 条）")
    return 0


def cmd_targets_template(args) -> int:
    from .ingest.targets import targets_template_command

    print(f"销售目标模板已写入：{targets_template_command(args.out)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dealresearch", description="成交客户研究：数据导入、分析与季度报告")
    p.add_argument("--version", action="version", version=f"dealresearch {__version__}")
    p.add_argument("--store", help="数据目录（含 processed/ 与 interim/），默认为项目的 data/ 或 $DEALRESEARCH_HOME/data")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="生成样例 CRM 导出数据（含预埋的脏数据与真值）")
    s.add_argument("--out", help="输出目录，默认 data/raw/sample")
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=cmd_sample)

    s = sub.add_parser("ingest", help="导入成交 / 调查 / 目标文件，清洗后写入 data/processed")
    s.add_argument("paths", nargs="*", help="xlsx / xls / csv 文件")
    s.add_argument("--kind", choices=["deals", "surveys", "targets"], default="deals")
    s.add_argument("--sample", action="store_true", help="导入 data/raw/sample 中的全部样例文件")
    s.add_argument("--quiet", action="store_true", help="不显示进度条")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("report", help="运行报告模板，导出 HTML 到 reports/<期间>/ 并更新 index.html")
    s.add_argument("--period", help="期间，如 2026Q3")
    s.add_argument("--latest", action="store_true", help="使用数据中最近一个完整季度")
    s.add_argument("--project", action="append", help="只运行这些项目（可重复）")
    s.add_argument("--only", action="append", help="只运行这些报告模板（可重复，模板文件名不含 .ipynb）")
    s.add_argument("--overwrite", action="store_true", help="覆盖已发布的同期报告")
    s.add_argument("--jobs", type=int, help="并行数，默认 CPU 核数")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("survey-plan", help="编制下一年度顾客调查工作计划（Excel）")
    s.add_argument("--year", type=int, required=True, help="计划年度，如 2027")
    s.add_argument("--out", help="输出 Excel 路径")
    s.add_argument("--include-contacts", action="store_true", help="在名单中附上联系方式（取自原始导出）")
    s.add_argument("--min-share", type=float, default=0.4)
    s.add_argument("--cycle-years", type=int, default=3)
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=cmd_survey_plan)

    s = sub.add_parser("followups", help="生成不满意客户回访跟进清单（Excel），可合并已回收的处理结果")
    s.add_argument("--period", help="调查期间，如 2026Q4；默认全部")
    s.add_argument("--project", help="只看某个项目")
    s.add_argument("--updates", help="已回收的跟进结果 Excel（更新处理状态）")
    s.add_argument("--sla-days", type=int, default=7, help="跟进时限（天），默认 7")
    s.add_argument("--out", help="输出 Excel 路径")
    s.set_defaults(func=cmd_followups)

    s = sub.add_parser("targets-template", help="生成空白的销售目标 Excel 模板")
    s.add_argument("--out", default="销售目标模板.xlsx")
    s.set_defaults(func=cmd_targets_template)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "report" and not (args.period or args.latest):
        print("错误：请用 --period 指定期间（如 2026Q3），或用 --latest 使用最近一个完整季度。", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except DealResearchError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
