"""bench_run_cost gives each py-spy sample of the service to the part of the run it was spent in: the deepest frame a
part claims, the embedding split by who asked for it, waiting threads left out."""

from __future__ import annotations

from evals.benchmarks.bench_run_cost import part_of, parts_of

ROOT = ["<module> (agent/cli.py:1)", "serve (agent/cli.py:170)", "Server.run (uvicorn/server.py:86)",
        "asyncio_run (uvicorn/_compat.py:30)", "Runner.run (asyncio/runners.py:118)"]
RUN = [*ROOT, "execute.<locals>.work (agent/api/runs.py:540)", "run_turn (agent/turns.py:160)",
       "Pregel.astream (pregel/main.py:3553)"]


def test_the_deepest_claimed_frame_decides():
    checkpoint = [*RUN, "AsyncPostgresSaver.aput (postgres/aio.py:291)", "BaseCursor._execute_gen (psycopg/_cursor_base.py:206)"]
    assert part_of(checkpoint) == "checkpoint reads and writes"  # psycopg counts for its caller
    events = [*ROOT, "Run._flush (agent/api/runs.py:106)", "append_events (memory/runs.py:180)",
              "AsyncConnection.execute (psycopg/connection_async.py:330)"]
    assert part_of(events) == "run records, events, NOTIFY"
    scorer = [*RUN, "score_title (tools/scoring/tool.py:40)", "TitleScorer._score_many (tools/scoring/scorer.py:300)"]
    assert part_of(scorer) == "tools (scorer ...)"
    assert part_of([*scorer, "YouTubeModel.embed_outcome (tools/scoring/youtube.py:158)",
                    "Embedder.embed (agent/embeddings.py:66)", "Linear.forward (torch/nn/modules/linear.py:134)"]) \
        == "embedding: title scorer"
    routing = [*RUN, "model_node (graphs/conversation.py:140)", "OfflineEngine.intents (agent/offline.py:200)",
               "IntentModel.features (agent/intent.py:166)", "Embedder.embed (agent/embeddings.py:66)"]
    assert part_of(routing) == "embedding: routing (the message)"
    assert part_of([*RUN, "apply_writes (pregel/_algo.py:320)"]) == "graph steps (LangGraph, nodes)"
    assert part_of([*ROOT, "HttpToolsProtocol.data_received (uvicorn/protocols/http/httptools_impl.py:173)"]) \
        == "HTTP, auth, JSON"
    assert part_of(ROOT) == "event loop"  # uvloop's C code under Runner.run


def test_waiting_threads_are_left_out(tmp_path):
    idle = ["Thread._bootstrap (threading.py:1002)", "_worker (concurrent/futures/thread.py:81)"]
    assert part_of(idle) is None
    raw = tmp_path / "raw.txt"
    raw.write_text(";".join(idle) + " 7\n" + ";".join([*RUN, "apply_writes (pregel/_algo.py:320)"]) + " 3\n")
    assert parts_of(raw) == {"graph steps (LangGraph, nodes)": 3}
