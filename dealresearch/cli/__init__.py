"""Thin command line: every subcommand calls one library function.

Errors meant for analysts (``DealResearchError``) are printed in Chinese without a
traceback; the exit code is 2 for a failure (ingest also uses 1 for "rows rejected").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import config
from ..config import VERSION as __version__
from ..errors import DealResearchError, InputFileError, ParameterError
from .args import ChineseArgumentParser, bounded_float, bounded_int


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
    from .. import synth

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

    wait = {"wait": not args.no_wait, "mapping": args.mapping, "replace_targets": args.replace_targets}
    if args.sample:
        sets = _sample_sets(args.store)
        codes = [ingest_command(sets[k], store=args.store, kind=k, progress=not args.quiet, **wait)
                 for k in ("deals", "surveys", "targets")]
        return max(codes)
    if not args.paths:
        raise InputFileError("请给出要导入的文件路径，或使用 --sample 导入样例数据。")
    return ingest_command(_existing(args.paths), store=args.store, kind=args.kind, progress=not args.quiet,
                          **wait)


def cmd_key(args) -> int:
    from ..ingest import keyring

    if args.action == "show":
        for line in keyring.describe(args.store):
            print(line)
        return 0
    if args.action == "rekey":
        from ..ingest.rekey import rekey

        print(rekey(args.store))
        return 0
    if not args.file:
        raise ParameterError(f"key {args.action} 需要给出密钥文件路径。")
    if args.action == "export":
        print(keyring.export_key(Path(args.file), args.store))
    else:
        print(keyring.import_key(Path(args.file), args.store, force=args.force))
    return 0


def cmd_report(args) -> int:
    from .report import report_command

    return report_command(period=args.period, latest=args.latest, projects=args.project or None,
                          only=args.only or None, overwrite=args.overwrite, jobs=args.jobs,
                          data_dir=args.store, pdf=args.pdf)


def cmd_survey_plan(args) -> int:
    from .survey_plan import survey_plan_command

    survey_plan_command(args.year, store=args.store, out=args.out, include_contacts=args.include_contacts,
                        min_share=args.min_share, cycle_years=args.cycle_years, seed=args.seed,
                        period=args.period, project=args.project)
    return 0


def cmd_followups(args) -> int:
    from .followups import followups_command

    followups_command(args.store, period=args.period, project=args.project, updates=args.updates,
                      sla_days=args.sla_days, out=args.out, issued=args.issued, contacts=args.with_contacts)
    return 0


def cmd_targets_template(args) -> int:
    from .ingest import targets_template_command

    print(f"销售目标模板已写入：{targets_template_command(args.out)}")
    return 0


SEED = bounded_int(0, 2**32 - 1, "随机种子")


def build_parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="dealresearch", description="成交客户研究：数据导入、分析与季度报告")
    p.add_argument("--version", action="version", version=f"dealresearch {__version__}", help="显示版本号并退出")
    p.add_argument("--store", help="数据目录（含 processed/ 与 interim/），默认为项目的 data/ 或 $DEALRESEARCH_HOME/data")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    s = sub.add_parser("sample", help="生成样例 CRM 导出数据（含预埋的脏数据与真值）")
    s.add_argument("--out", help="输出目录，默认 data/raw/sample")
    s.add_argument("--seed", type=SEED, default=0, help="随机种子（0–4294967295），默认 0")
    s.set_defaults(func=cmd_sample)

    s = sub.add_parser("ingest", help="导入成交 / 调查 / 目标文件，清洗后写入 data/processed")
    s.add_argument("paths", nargs="*", help="xlsx / xls / csv 文件")
    s.add_argument("--kind", choices=["deals", "surveys", "targets"], default="deals")
    s.add_argument("--sample", action="store_true", help="导入 data/raw/sample 中的全部样例文件")
    s.add_argument("--quiet", action="store_true", help="不显示进度条")
    s.add_argument("--no-wait", action="store_true",
                   help="另一个导入正在写入同一数据目录时立即退出（退出码 2），而不是等待")
    s.add_argument("--mapping", metavar="FILE",
                   help="映射文件（TOML：表头别名与取值同义词），默认为项目目录下的 dealresearch.toml")
    s.add_argument("--replace-targets", action="store_true",
                   help="导入目标时替换库中全部目标（默认按 年度×层级×单位×期间 合并，只替换同键的目标）")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("key", help="假名密钥：查看位置与指纹、导出/导入（换机器）、换新密钥")
    s.add_argument("action", choices=["show", "export", "import", "rekey"],
                   help="show 查看；export 导出到文件；import 从文件导入；rekey 换新密钥并按导入记录重建数据")
    s.add_argument("file", nargs="?", help="export / import 的密钥文件路径")
    s.add_argument("--force", action="store_true", help="import 时覆盖已有的不同密钥（旧密钥会另存备份）")
    s.set_defaults(func=cmd_key)

    s = sub.add_parser("report", help="运行报告模板，导出 HTML 到 reports/<期间>/ 并更新 index.html")
    s.add_argument("--period", help="期间，如 2026Q3")
    s.add_argument("--latest", action="store_true", help="使用数据中最近一个完整季度")
    s.add_argument("--project", action="append", help="只运行这些项目（可重复）")
    s.add_argument("--only", action="append", help="只运行这些报告模板（可重复，模板文件名不含 .ipynb）")
    s.add_argument("--overwrite", action="store_true", help="覆盖已发布的同期报告")
    s.add_argument("--jobs", type=bounded_int(1, 256, "并行数"), help="并行数（1–256），默认 CPU 核数")
    s.add_argument("--pdf", action="store_true", help="同时在每份网页报告旁生成 PDF（需本机安装 Chromium）")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("survey-plan", help="编制下一年度顾客调查工作计划（Excel）")
    when = s.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", type=bounded_int(1990, 2100, "计划年度"), help="计划年度，如 2027（按上一年全年数据编制）")
    when.add_argument("--period", help="报告期，如 2026Q3（按截至期末的数据编制下一年计划）")
    s.add_argument("--project", help="只编制某个项目的计划")
    s.add_argument("--out", help="输出文件夹（每个项目一个文件），或 .xlsx 文件（仅限 --project）；"
                   "默认 reports/<报告期>/lists/")
    s.add_argument("--include-contacts", action="store_true",
                   help="在名单中附上姓名、电话、房号和置业顾问（取自加密联系人库，需联系人密钥）")
    s.add_argument("--min-share", type=bounded_float(0, 1, "最低调查比例", open_low=True), default=0.4,
                   help="每年至少调查的客户比例（0–1），默认 0.4")
    s.add_argument("--cycle-years", type=bounded_int(1, 10, "调查周期"), default=3, help="调查周期（年，1–10），默认 3")
    s.add_argument("--seed", type=SEED, default=0, help="抽样随机种子（0–4294967295），默认 0")
    s.set_defaults(func=cmd_survey_plan)

    s = sub.add_parser("followups", help="生成不满意客户回访跟进清单（Excel），可合并已回收的处理结果")
    s.add_argument("--period", help="调查期间，如 2026Q4；默认全部")
    s.add_argument("--project", help="只看某个项目")
    s.add_argument("--updates", help="已回收的跟进结果 Excel（更新处理状态）")
    s.add_argument("--sla-days", type=bounded_int(1, 3650, "跟进时限"), default=7, help="跟进时限（天，1–3650），默认 7")
    s.add_argument("--out", help="输出文件夹（每个项目一个文件），或单个项目的 .xlsx 路径；默认 reports/<期间>/lists/")
    s.add_argument("--issued", help="清单下发日期（如 2026-10-08），早于此日的问卷从此日起算应完成日期；默认期间末")
    s.add_argument("--with-contacts", action="store_true",
                   help="附客户姓名、手机、房号和置业顾问（读取加密的联系人库，需要联系人密钥）")
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
    except OSError as exc:  # a path the user gave cannot be read or written (permissions, disk full)
        where = f"：{exc.filename}" if exc.filename else ""
        print(f"错误：文件操作失败{where}（{exc.strerror or exc}）", file=sys.stderr)
        return 2
    except Exception:  # a bug: exit 3, the traceback in a log file (never mistaken for exit 1)
        log = _crash_log(args)
        print(f"内部错误：dealresearch 运行失败，数据未更改。详细信息已写入 {log}，请将该文件发给维护人员。",
              file=sys.stderr)
        return 3


def _crash_log(args) -> Path:
    """Write the current traceback under data/interim/logs/ (else the temp folder)."""
    import tempfile
    import traceback

    import pandas as pd

    text = f"dealresearch {__version__}\nargv: {sys.argv}\n\n{traceback.format_exc()}"
    stamp = pd.Timestamp.now().strftime("%Y%m%d-%H%M%S-%f")
    for folder in (config.interim_dir(getattr(args, "store", None)) / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"error-{stamp}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return Path("-")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
