"""The `cortex` command: config masks secrets, score prints JSON Lines, ask runs the real graph."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from agent.cli import app
from agent.settings import PROJECT_ROOT, get_settings
from tools.scoring.scorer import score_title

runner = CliRunner()


def test_config_masks_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123456789")
    monkeypatch.setenv("DATABASE_URL", "postgresql://cortex:hunter2@db.example:5432/cortex")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["config"], terminal_width=200)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "sk-test-secret" not in result.output and "***6789" in result.output
    assert "hunter2" not in result.output and "cortex:***@db.example" in result.output


def test_score_reads_stdin_and_prints_json_lines():
    result = runner.invoke(app, ["score"], input="I Built a Giant Lego Volcano\n\n7 Mistakes Every Beginner Makes\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]  # stderr may show a first-use progress bar
    assert [r["title"] for r in rows] == ["I Built a Giant Lego Volcano", "7 Mistakes Every Beginner Makes"]
    for r in rows:
        assert 0 <= r["score"] <= 100 and r["grade"] in {"A+", "A", "B", "C", "D", "F"}
        assert {"length", "curiosity", "specificity"} <= r["components"].keys()
        assert all("reason" in c for c in r["components"].values())


def test_score_without_titles_says_what_to_do():
    result = runner.invoke(app, ["score"], input="")
    assert result.exit_code == 1
    assert "one per line" in result.output


def test_a_paragraph_is_not_scored_as_a_title():
    result = runner.invoke(app, ["score", "I Built a Giant Lego Volcano " * 200])  # 5,800 characters
    assert result.exit_code == 1
    assert "5,800 characters: that is not a title" in " ".join(result.output.split())


def test_ask_json_shows_the_tool_call(db):
    result = runner.invoke(app, ["ask", "Score this title: I Built a Giant Lego Volcano", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    calls = [c for m in payload["messages"] if m["type"] == "ai" for c in m["data"].get("tool_calls", [])]
    assert calls[0]["name"] == "score_title" and calls[0]["args"]["titles"] == ["I Built a Giant Lego Volcano"]
    assert "offline engine" in payload["messages"][-1]["data"]["content"]


def test_ask_with_a_missing_file_fails_clearly():
    result = runner.invoke(app, ["ask", "analyse this", "--file", "/no/such/transcript.srt"])
    assert result.exit_code == 1
    assert "No such file" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("creator-cortex ")


def test_score_prints_a_table_on_a_terminal(monkeypatch):
    from rich.console import Console

    from agent import cli

    monkeypatch.setattr(cli, "console", Console(force_terminal=True, width=220, color_system=None))
    result = runner.invoke(app, ["score", "I Built a Giant Lego Volcano", "7 Mistakes Every Beginner Makes"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "│" in line and ("Lego" in line or "Mistakes" in line)]
    assert len(rows) == 2 and not result.output.lstrip().startswith("{")
    lego = next(r for r in rows if "Lego" in r)
    expected = score_title("I Built a Giant Lego Volcano")
    best = max(expected.components, key=lambda c: c.gain)
    assert f"{expected.score:.1f}" in lego and f"│ {expected.grade} " in lego  # score and grade
    assert (best.improvement or "no tried edit")[:20] in lego  # the edit that helps most, or none
    as_json = runner.invoke(app, ["score", "--json", "I Built a Giant Lego Volcano"])
    assert json.loads(as_json.output)["grade"] == expected.grade


def test_chat_answers_on_its_own_line(db):
    result = runner.invoke(app, ["chat"], input="Score this title: I Built a Giant Lego Volcano\n\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    reply = lines.index("cortex>")
    expected = score_title("I Built a Giant Lego Volcano")
    assert lines[reply - 1].startswith("you>") and f"{expected.score:.1f}/100 ({expected.grade})" in "\n".join(lines[reply:])


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89" + bytes(32)
"""The start of a real 1x1 PNG (signature and header chunk)."""


def test_binary_files_are_refused_by_content_in_one_line(tmp_path):
    image = tmp_path / "image.srt"
    image.write_bytes(PNG)
    for args in (["import-analytics", str(image), "--channel", "Mine"], ["ask", "Find hooks in this", "-f", str(image)]):
        result = subprocess.run([sys.executable, "-m", "agent.cli", *args], capture_output=True, text=True,
                                cwd=PROJECT_ROOT, timeout=120)
        assert result.returncode == 1, args
        assert "image.srt is not text (it looks like a Portable Network Graphics file)" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_a_failure_no_command_expects_is_one_line():
    import psycopg

    from agent.cli import failure_line

    line = failure_line(psycopg.OperationalError("terminating connection due to administrator command"))
    assert "database stopped answering" in line and "retry" in line
    assert failure_line(RuntimeError("boom\n  in a far place")) == "boom in a far place (RuntimeError)"
