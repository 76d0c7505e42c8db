"""patrol classify / evaluate from the command line (in process, and once as a real subprocess)."""

import json
import subprocess
import sys

from click.testing import CliRunner

from classifiers import DEFAULT_MODEL
from patrol.cli import cli

LINES = [
    {"text": "网 盘 链 接 自动发货，全本TXT打包，拍下秒发", "title": "小说合集", "source_kind": "shop"},
    {"text": "房间干净，服务热情，早餐种类多，下次还来"},
    {"text": "诚招各地记者站站长，统一办理记者证、采访证，审核费及工本费共计3800元", "source_kind": "news"},
]


def test_classify_stdin_one_line_out_per_line_in_order():
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n"
    result = CliRunner().invoke(cli, ["classify", "--model", str(DEFAULT_MODEL)], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3]
    for o in out:
        assert set(o["scores"]) == set(o["verdicts"]) == set(o["evidence"]) == {
            "vulgar", "unlicensed_publication", "fake_media"}
    assert out[0]["verdicts"]["unlicensed_publication"] != "pass"
    assert all(v == "pass" for v in out[1]["verdicts"].values())
    assert out[2]["verdicts"]["fake_media"] != "pass"
    term = out[0]["evidence"]["unlicensed_publication"]["terms"][0]
    assert LINES[0]["text"][term["start"]:term["end"]] == term["matched"]


def test_bad_lines_get_an_error_line_naming_the_line_and_the_run_goes_on():
    stdin = "\n".join([json.dumps(LINES[1], ensure_ascii=False), "{not json", '{"title": "no text"}',
                       "[1, 2]", json.dumps(LINES[0], ensure_ascii=False)]) + "\n"
    result = CliRunner().invoke(cli, ["classify", "--model", str(DEFAULT_MODEL)], input=stdin)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5]
    assert "scores" in out[0] and "scores" in out[4]
    assert out[1]["error"].startswith("line 2: not valid JSON")
    assert out[2]["error"] == "line 3: field 'text' must be a string"
    assert out[3]["error"] == "line 4: expected a JSON object, got list"
    assert "line 2: not valid JSON" in result.stderr and "3 bad line(s)" in result.stderr


def test_unreadable_model_is_one_line_error(tmp_path):
    bad = tmp_path / "x.skops"
    bad.write_bytes(b"junk")
    result = CliRunner().invoke(cli, ["classify", "--model", str(bad)], input="{}\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("patrol: error:") and "sidecar" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_classify_file_as_a_real_process(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "patrol", "classify", str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 3


def test_evaluate_writes_pr_curves(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(DEFAULT_MODEL), "--plots", str(tmp_path),
                                      "--json", "--reviews", str(tmp_path)])
    # no review files in tmp_path: a one-line error naming the directory
    assert result.exit_code == 2 and "no review files" in result.stderr
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(DEFAULT_MODEL), "--plots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["pr-fake_media.png", "pr-unlicensed_publication.png", "pr-vulgar.png"]
    assert all((tmp_path / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
