"""Conformance of the HTTP API with the JS LangGraph SDK (@langchain/langgraph-sdk, what useStream and LangGraph
Studio are built on) under Node, against a real `cortex serve` process: ``js/conformance.mjs`` makes the calls and
prints what they returned. The SDK is installed with npm into a cache folder once (``JS_SDK``); the test is skipped,
saying why, when node or npm is missing or the npm registry cannot be reached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agent import auth
from agent.server import spawned_service

JS_SDK = "@langchain/langgraph-sdk@1.15.0"
"""The JS SDK version the conformance is checked against (the one the issue names)."""
SCRIPT = Path(__file__).parent / "js" / "conformance.mjs"


@pytest.fixture(scope="module")
def js_sdk() -> Path:
    """A folder with the JS SDK installed (cached under ~/.cache/creator-cortex), the conformance script beside it."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed for the JS SDK conformance test (install Node.js 20 or newer)")
    folder = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "creator-cortex" / JS_SDK.replace("/", "+")
    if not (folder / "node_modules" / "@langchain" / "langgraph-sdk").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true, "type": "module"}')
        installed = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", JS_SDK], cwd=folder,
                                   capture_output=True, text=True, timeout=300)
        if installed.returncode != 0:
            pytest.skip(f"npm could not install {JS_SDK} (no registry?): {installed.stderr.strip()[-300:]}")
    shutil.copyfile(SCRIPT, folder / SCRIPT.name)
    return folder


async def test_the_js_sdk_against_the_service(js_sdk, db):
    _, key = await auth.create_key(db.pool, "js-sdk", label="tests")
    with spawned_service({"CORTEX_AUTO_INGEST": "false", "CORTEX_ENGINE": "offline"}, timeout_s=400) as service:
        ran = subprocess.run(["node", SCRIPT.name], cwd=js_sdk, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "CORTEX_URL": service.url, "CORTEX_API_KEY": key})
    assert ran.returncode == 0, ran.stderr[-3000:]
    out = json.loads(ran.stdout.strip().splitlines()[-1])
    assert set(out["graphNodes"]) == {"__start__", "model", "approve", "tools", "answer", "__end__"}
    assert out["inputProperties"] == ["messages"] and out["subgraphs"] == {}
    assert {"metadata", "values", "updates", "messages", "events", "debug", "tasks", "checkpoints", "warning",
            "end"} <= set(out["events"]) and "error" not in out["events"]
    assert "'tools' is not served" in out["warning"]
    assert out["toolEnd"][0] == "score_title" and "/100" in out["toolEnd"][1]  # useStream's onLangChainEvent
    assert out["runs"] == [[out["runId"], "success"]] and out["run"] == "success"
    assert out["replayCount"] == out["eventCount"] and out["restCount"] == out["eventCount"] - 3
    assert "offline engine" in out["lastMessage"]
    assert out["atCheckpoint"] == [True, ["answer"]]
    assert out["copyHistorySame"] and out["count"] == 2
    assert out["updated"] == [True, "A note from the JS SDK."]
