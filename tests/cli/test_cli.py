import subprocess
import sys

from dealresearch.cli import main


def test_missing_file_is_a_clear_chinese_error(tmp_path, capsys):
    code = main(["--store", str(tmp_path), "ingest", str(tmp_path / "nope.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "找不到以下输入文件" in err and "nope.xlsx" in err
    assert "Traceback" not in err


def test_report_needs_a_period(capsys):
    assert main(["report"]) == 2
    assert "--period" in capsys.readouterr().err


def test_malformed_period_exits_nonzero_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dealresearch.cli", "--store", str(tmp_path), "report",
                           "--period", "2026Q9"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "2026Q9" in proc.stderr


def test_sample_command_writes_truth(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "truth.json").is_file()
    assert "已生成样例数据" in capsys.readouterr().out
