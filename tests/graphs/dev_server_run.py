"""Conversations through the conversation graph as `langgraph dev` runs them, in a fresh process (nothing loaded yet),
with blockbuster raising on blocking calls in the event loop by langgraph-api's own rules; run by
``test_blocking.py`` as ``python tests/graphs/dev_server_run.py CONVERSATIONS.json``.

Like langgraph-api (``langgraph_api.graph``: ``run_in_executor(None, _graph_from_spec, spec)``), the graph module
is imported in a worker thread; then blockbuster is switched on (``dev_blockbuster``) and each conversation's
messages run through ``graph.astream`` with an in-memory checkpointer, no database in the context (the tools open
the process database on first use, as under `langgraph dev`), and an approval answered "approve". Prints one JSON
object: per conversation the tools called with the start of each result, and every blocking call detected (a
``BlockingError`` is recorded when it is raised, so one that a tool's error handling swallows still counts).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import traceback
import uuid
from pathlib import Path

from blockbuster import BlockBuster
from blockbuster.blockbuster import BlockingError

CREATOR = "blocking-tester"
"""The creator the conversations act for (what they record is stored under this id)."""

BLOCKED: list[str] = []
"""Every BlockingError raised: the function called, then the stack that called it, in order."""


def _record_blocking_errors() -> None:
    original = BlockingError.__init__

    def init(self, func: str, *args, **kwargs) -> None:
        BLOCKED.append(func + "\n" + "".join(traceback.format_stack(limit=25)[:-1]))
        original(self, func, *args, **kwargs)

    BlockingError.__init__ = init


def dev_blockbuster() -> BlockBuster:
    """Blockbuster configured as langgraph-runtime-inmem 0.36.7 configures it for `langgraph dev`
    (``langgraph_runtime_inmem.queue._enable_blockbuster``): every default check, with the same allowances and the
    same checks switched off (os.stat, os.listdir, os.remove, os.path.*, buffered and text file reads and writes,
    threading.Lock.acquire); not yet activated."""
    bb = BlockBuster(excluded_modules=[])
    bb.functions["os.path.abspath"].can_block_in("inspect.py", "getmodule")
    for module, func in (("memory/__init__.py", "sync"), ("memory/__init__.py", "load"),
                         ("memory/__init__.py", "dump"), ("pydantic/main.py", "__init__")):
        bb.functions["os.remove"].can_block_in(module, func)
        bb.functions["os.rename"].can_block_in(module, func)
    for module, func in (("logging/__init__.py", "flush"), ("logging/__init__.py", "emit")):
        bb.functions["io.TextIOWrapper.write"].can_block_in(module, func)
        bb.functions["io.BufferedWriter.write"].can_block_in(module, func)
    off = ["os.stat", "os.listdir", "os.remove", "io.BufferedReader.read", "io.BufferedWriter.write",
           "io.TextIOWrapper.read", "io.TextIOWrapper.write", "threading.Lock.acquire"]
    off += [name for name in bb.functions if name.startswith("os.path.")]
    for name in off:
        if function := bb.functions.pop(name, None):
            function.deactivate()
    return bb


async def run(conversations: list[list[str]]) -> dict:
    """Run each conversation (a list of creator messages) in a thread of its own; see the module docstring."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    module = await asyncio.get_running_loop().run_in_executor(None, importlib.import_module, "graphs.conversation")
    graph = module.build_graph(checkpointer=InMemorySaver())
    _record_blocking_errors()
    bb = dev_blockbuster()
    bb.activate()
    results = []
    try:
        for messages in conversations:
            config = {"configurable": {"thread_id": str(uuid.uuid4())}}
            tools: list[dict] = []
            for text in messages:
                payload: object = {"messages": [{"role": "user", "content": text}]}
                while payload is not None:
                    async for mode, chunk in graph.astream(payload, config, context={"creator_id": CREATOR},
                                                           stream_mode=["updates", "messages", "custom"]):
                        if mode == "updates" and "tools" in chunk:
                            tools += [{"name": m.name, "content": str(m.content)[:300]}
                                      for m in chunk["tools"]["messages"]]
                    state = await graph.aget_state(config)
                    payload = Command(resume="approve") if state.interrupts else None
            results.append({"messages": messages, "tools": tools})
    finally:
        bb.deactivate()
    from memory.db import get_database

    await (await get_database()).pool.close()
    return {"conversations": results, "blocked": BLOCKED}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print(json.dumps(asyncio.run(run(json.loads(Path(sys.argv[1]).read_text())))))
