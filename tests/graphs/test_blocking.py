"""No blocking call in the event loop: a first call of each tool through the conversation graph, in a fresh process,
as `langgraph dev` runs it (``dev_server_run.py``: the graph imported in a worker thread, blockbuster raising on
blocking calls by langgraph-api's rules), so `langgraph dev` serves these runs without ``--allow-blocking``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).with_name("dev_server_run.py")


def test_a_first_run_of_each_tool_makes_no_blocking_call(db, data_dir, tmp_path):
    videos = data_dir / "transcripts_3blue1brown" / "videos"
    brachistochrone = (videos / "2016_brachistochrone" / "captions.srt").read_text()
    pi = (videos / "2018_pi-was-628" / "captions.srt").read_text()
    conversations = [
        ["Score this title: I Built a Giant Lego Volcano"],  # first: the scorer loads in this run
        [f"Give me title ideas for this video\n\n{brachistochrone}", "I'll use the second one",
         "Thumbs down on #1, too clickbaity"],
        [f"Here's my transcript, find the hooks\n\n{brachistochrone}"],
        [f"Does my video deliver on the title “How pi was almost 6.283185” early enough?\n\n{pi}"],
        ["Show me outliers about space experiments from Mark Rober or Veritasium"],
        ["Score this title against Veritasium: Why Nobody Understands Gravity"],
        ["How did my last 10 videos do?"],
        ["Find science educators on YouTube like Veritasium but smaller"],
        ["What have you learned about me?", "Forget that I like questions"],
        ["Learn my voice from my channel 3Blue1Brown"],
        ["Is a video about compound interest worth making for Nischa?"],
    ]
    spec = tmp_path / "conversations.json"
    spec.write_text(json.dumps(conversations))
    done = subprocess.run([sys.executable, str(RUNNER), str(spec)], capture_output=True, text=True, timeout=900,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout)
    assert result["blocked"] == [], "blocking calls in the event loop:\n\n" + "\n\n".join(result["blocked"])
    called = [tool for c in result["conversations"] for tool in c["tools"]]
    names = {tool["name"] for tool in called}
    assert names == {"score_title", "generate_titles", "use_title", "record_feedback", "analyze_script",
                     "check_promise", "retrieve_outliers", "pull_analytics", "search_creators", "show_memory",
                     "edit_memory", "learn_voice", "check_idea"}, names
    assert not [t for t in called if t["content"].startswith("That tool could not run")], called
    first = result["conversations"][0]["tools"][0]
    assert first["name"] == "score_title" and "/100" in first["content"]  # the scorer loaded and scored
