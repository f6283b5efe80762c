"""`cortex serve --workers N` without starting it: the number of processes is checked with a clear error, the
parent's terminal shows the children's counted progress read from /health, and the files every process makes in
the state dir on its first start (the chat's session secret, fitted models, Chainlit's config) come out whole and
the same for all when several processes make them at once. The processes themselves: tests/agent/test_scale_out.py."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from agent.artifacts import load_or_fit, replace_file
from agent.cli import app
from agent.serve import _local_url, watch_workers
from agent.settings import PROJECT_ROOT, SERVE_WORKERS_MAX, get_settings

from support import JsonHandler, serve_http

runner = CliRunner()


@pytest.mark.parametrize(("args", "env", "shown"), [
    (["--workers", "0"], {}, "not 0"),
    ([], {"CORTEX_SERVE_WORKERS": str(SERVE_WORKERS_MAX + 1)}, f"not {SERVE_WORKERS_MAX + 1}"),
])
def test_the_number_of_processes_is_checked_before_anything_starts(monkeypatch, args, env, shown):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["serve", "--port", "1", *args])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 1
    words = " ".join(result.output.split())
    assert f"must be between 1 and {SERVE_WORKERS_MAX}, {shown}" in words and "CORTEX_SERVE_WORKERS" in words
    assert "Traceback" not in result.output


def test_serve_help_gives_the_default_and_the_setting():
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    words = " ".join(result.output.split())
    assert "--workers" in words and "CORTEX_SERVE_WORKERS" in words and "1 to 32" in words


class _Children(JsonHandler):
    """/health of two starting children, answered in turn: the first ingests, the second waits, then both are
    ready (the second still building an index for two reads)."""

    answers: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802
        self.reply(self.answers.pop(0) if self.answers else {"status": "ok", "pid": 11, "background": {}})


def _starting(pid: int, phase: str, done: int, total: int) -> dict:
    return {"status": "starting", "pid": pid, "background": {},
            "stage": {"phase": phase, "done": done, "total": total, "percent": 100 * done // total if total else None}}


def test_the_parent_prints_each_childs_counted_progress_then_all_ready():
    _Children.answers = [
        _starting(11, "writing videos", 100, 6000), _starting(12, "opening the database", 0, 0),
        _starting(12, "writing 8,683 videos", 0, 1),  # one step: the child's log line says it, the parent not again
        _starting(11, "writing videos", 300, 6000),  # still the first tenth: no new line
        _starting(11, "writing videos", 2400, 6000),
        {"status": "ok", "pid": 12, "background": {"title index": {"phase": "embedding titles", "done": 50,
                                                                   "total": 100, "percent": 50}}},
        {"status": "ok", "pid": 11, "background": {}},
        {"status": "ok", "pid": 12, "background": {}},
    ]
    server = serve_http(_Children)
    lines: list[str] = []
    try:
        watch_workers(f"http://127.0.0.1:{server.server_address[1]}", 2, lines.append, threading.Event(), every_s=0.01)
    finally:
        server.shutdown()
    assert lines == [
        "process 11: writing videos: 100 of 6,000 (1%)",
        "process 11: writing videos: 2,400 of 6,000 (40%)",
        "process 12: title index: embedding titles: 50 of 100 (50%)",
        f"All 2 processes are ready: chat at http://127.0.0.1:{server.server_address[1]}/",
    ]


def test_the_parent_reads_health_through_loopback_when_serving_every_interface():
    assert _local_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert _local_url("::", 8000) == "http://[::1]:8000"
    assert _local_url("10.1.2.3", 80) == "http://10.1.2.3:80"


_MAKE_SECRET = """
import secrets, sys, time
from pathlib import Path
from agent.artifacts import write_once
while time.time() < float(sys.argv[2]):  # all start writing at the same moment
    pass
print(write_once(Path(sys.argv[1]), lambda: secrets.token_urlsafe(48)))
"""


def test_a_secret_made_by_several_processes_at_once_is_one_secret(tmp_path):
    path = tmp_path / "state" / "auth_secret"
    at = str(time.time() + 3)
    processes = [subprocess.Popen([sys.executable, "-c", _MAKE_SECRET, str(path), at], cwd=PROJECT_ROOT,
                                  stdout=subprocess.PIPE, text=True) for _ in range(6)]
    made = [p.communicate(timeout=60)[0].strip() for p in processes]
    assert len(set(made)) == 1 and len(made[0]) == 64 and path.read_text() == made[0]
    assert path.stat().st_mode & 0o777 == 0o600
    assert [f.name for f in path.parent.iterdir()] == ["auth_secret"]  # no temporary file left behind


def test_files_replaced_and_fitted_in_one_step_leave_no_temporary_file(tmp_path):
    target = tmp_path / "chainlit" / ".chainlit" / "config.toml"
    replace_file(target, b"[project]\n")
    replace_file(target, b"[project]\ntransports = ['websocket']\n")
    assert target.read_bytes() == b"[project]\ntransports = ['websocket']\n"
    fitted = load_or_fit(tmp_path / "models" / "m.joblib", lambda: {"weights": [1, 2]})
    assert fitted == load_or_fit(tmp_path / "models" / "m.joblib", lambda: pytest.fail("fitted twice"))
    assert sorted(f.name for f in tmp_path.rglob("*") if f.is_file()) == ["config.toml", "m.joblib"]
