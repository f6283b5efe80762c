"""Conformance of the HTTP API with the Python LangGraph SDK (langgraph_sdk) beyond threads and runs: what LangGraph
Studio calls (the graph, its schemas and subgraphs), runs listed and read, a thread copied, counted, read at a
checkpoint object and updated as a new checkpoint (tool calls with side effects still wait for approval), the
native stream modes (debug, tasks, checkpoints; others ignored with a warning), LangChain's run events (stream mode
events) with the other modes, and a resumable stream rejoined by run id with Last-Event-ID. In process, through httpx's ASGI transport into the app."""

from __future__ import annotations

import httpx
import pytest

from agent import auth

from support import in_process, user

SCORE = "Score this title: I Built a Giant Lego Volcano"


@pytest.fixture(scope="module")
async def clients(app, db):
    """SDK clients of two creators."""
    keys = [(await auth.create_key(db.pool, name, label="tests"))[1] for name in ("proto-alice", "proto-bob")]
    return in_process(app, keys[0]), in_process(app, keys[1])


async def test_studio_reads_the_graph_and_its_schemas(clients):
    client, _ = clients
    graph = await client.assistants.get_graph("creator_cortex")
    assert {n["id"] for n in graph["nodes"]} == {"__start__", "model", "approve", "tools", "answer", "__end__"}
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert {("__start__", "model"), ("model", "approve"), ("tools", "model"), ("answer", "__end__")} <= edges
    assert (await client.assistants.get_graph("agent", xray=True))["nodes"] == graph["nodes"]
    schemas = await client.assistants.get_schemas("creator_cortex")
    assert schemas["graph_id"] == "creator_cortex"
    assert list(schemas["input_schema"]["properties"]) == ["messages"]
    assert {"messages", "engine"} <= set(schemas["state_schema"]["properties"])
    assert schemas["context_schema"]["properties"]["engine"]["anyOf"][0]["enum"] == ["auto", "offline", "llm"]
    assert schemas["config_schema"]["properties"]["recursion_limit"]["maximum"] == 100
    assert await client.assistants.get_subgraphs("creator_cortex") == {}
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await client.assistants.get_schemas("nope")
    assert missing.value.response.status_code == 404


async def test_runs_are_listed_and_read(clients):
    client, bob = clients
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "agent", input=user(SCORE))
    await client.runs.wait(tid, "agent", input=user("I'll use 'My Lego Volcano Erupted'"))  # stops for approval
    listed = await client.runs.list(tid)
    assert [r["status"] for r in listed] == ["interrupted", "success"]
    assert all(r["thread_id"] == tid and r["multitask_strategy"] == "reject" for r in listed)
    assert (await client.runs.get(tid, listed[1]["run_id"]))["status"] == "success"
    assert [r["run_id"] for r in await client.runs.list(tid, status="success")] == [listed[1]["run_id"]]
    joined = await client.runs.join(tid, listed[1]["run_id"])
    assert joined["messages"][-1]["type"] == "ai"
    for call in (bob.runs.list(tid), bob.runs.get(tid, listed[0]["run_id"])):
        with pytest.raises(httpx.HTTPStatusError) as hidden:
            await call
        assert hidden.value.response.status_code == 404


async def test_copy_count_state_at_a_checkpoint_object(clients):
    client, bob = clients
    thread = await client.threads.create(metadata={"proto": "copy"})
    tid = thread["thread_id"]
    await client.runs.wait(tid, "agent", input=user(SCORE))
    history = await client.threads.get_history(tid, limit=100)
    copy = await client.threads.copy(tid)
    assert copy["thread_id"] != tid and copy["metadata"]["proto"] == "copy"
    copied = await client.threads.get_history(copy["thread_id"], limit=100)
    assert [h["checkpoint"]["checkpoint_id"] for h in copied] == [h["checkpoint"]["checkpoint_id"] for h in history]
    assert copied[0]["values"] == history[0]["values"]
    # the copy goes on by itself: a run on it leaves the original as it was
    await client.runs.wait(copy["thread_id"], "agent", input=user("Score this title: Lego Volcano Part 2"))
    assert len(await client.threads.get_history(tid, limit=100)) == len(history)

    assert await client.threads.count(metadata={"proto": "copy"}) == 2
    assert await client.threads.count(metadata={"proto": "copy"}, status="idle") == 2
    assert await bob.threads.count(metadata={"proto": "copy"}) == 0

    at = await client.threads.get_state(tid, checkpoint=history[1]["checkpoint"])
    assert at["checkpoint"]["checkpoint_id"] == history[1]["checkpoint"]["checkpoint_id"]
    assert at["next"] == history[1]["next"]
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await client.threads.get_state(tid, checkpoint={**history[1]["checkpoint"],
                                                          "checkpoint_id": "1f000000-0000-6000-8000-000000000000"})
    assert missing.value.response.status_code == 404


async def test_update_state_writes_a_checkpoint_and_side_effects_still_need_approval(clients, db):
    client, bob = clients
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "agent", input=user(SCORE))
    before = await client.threads.get_state(tid)
    note = {"type": "ai", "content": "A note written by the creator's app.", "id": "note-1"}
    written = await client.threads.update_state(tid, {"messages": [note]})
    after = await client.threads.get_state(tid)
    assert after["checkpoint"]["checkpoint_id"] == written["checkpoint"]["checkpoint_id"]
    assert after["parent_checkpoint"]["checkpoint_id"] == before["checkpoint"]["checkpoint_id"]
    assert after["values"]["messages"][-1]["content"] == note["content"] and after["next"] == []
    assert after["metadata"]["source"] == "update"

    # a side effect written in as the model's own tool call runs only once the creator approves it
    call = {"type": "ai", "content": "", "tool_calls": [
        {"name": "use_title", "args": {"title": "My Lego Volcano Erupted"}, "id": "call_injected"}]}
    await client.threads.update_state(tid, {"messages": [call]}, as_node="model")
    assert (await client.threads.get_state(tid))["next"] == ["approve"]
    values = await client.runs.wait(tid, "agent", input=None)  # the run continues from the update: the approval
    assert values["__interrupt__"][0]["value"]["action_requests"][0]["name"] == "use_title"
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM title_choices WHERE thread_id = %s", (tid,))
        assert await cur.fetchall() == []

    http = client.http.client
    for body, words in (({"values": {"messages": [call]}, "as_node": "tools"}, "as_node"),
                        ({"values": {"engine": "llm"}}, "messages only")):
        response = await http.post(f"/threads/{tid}/state", json=body)
        assert response.status_code == 422 and words in str(response.json()["detail"])
    with pytest.raises(httpx.HTTPStatusError) as hidden:
        await bob.threads.update_state(tid, {"messages": [note]})
    assert hidden.value.response.status_code == 404


async def test_native_stream_modes_and_a_warning_for_the_others(clients):
    client, _ = clients
    tid = (await client.threads.create())["thread_id"]
    parts = [p async for p in client.runs.stream(tid, "agent", input=user(SCORE),
                                                  stream_mode=["debug", "tasks", "checkpoints", "tools"])]
    events = [p.event for p in parts]
    assert events[0] == "metadata" and events[-1] == "end"
    warning = next(p.data for p in parts if p.event == "warning")
    assert "'tools' is not served" in warning["message"]
    tasks = [p.data for p in parts if p.event == "tasks"]
    assert [t["name"] for t in tasks if "result" not in t] == ["model", "tools", "model", "answer"]
    checkpoints = [p.data for p in parts if p.event == "checkpoints"]
    assert checkpoints[-1]["values"]["messages"][-1]["type"] == "ai" and checkpoints[-1]["next"] == []
    assert {d["type"] for d in (p.data for p in parts if p.event == "debug")} >= {"checkpoint", "task", "task_result"}


async def test_a_resumable_stream_is_rejoined_by_run_id(clients):
    client, _ = clients
    tid = (await client.threads.create())["thread_id"]
    http = client.http.client
    body = {"assistant_id": "agent", "input": user(SCORE), "stream_mode": ["updates", "messages-tuple"],
            "stream_resumable": True}
    seen: list[tuple[str, str]] = []
    async with http.stream("POST", f"/threads/{tid}/runs/stream", json=body) as response:
        assert response.headers["location"].startswith(f"/threads/{tid}/runs/")
        run_id = response.headers["location"].split("/")[-2]
        event_id = None
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("event: "):
                seen.append((event_id or "", line[7:]))
            if len(seen) == 3:
                break  # the client goes away after three events; the run goes on
    rest = [p async for p in client.runs.join_stream(tid, run_id, last_event_id=seen[-1][0])]
    assert rest and rest[-1].event == "end" and rest[-1].data["status"] == "success"
    again = [p async for p in client.runs.join_stream(tid, run_id)]  # from the start, once finished
    assert [p.event for p in again][:3] == [e for _, e in seen] and len(again) == len(seen) + len(rest)
    assert (await client.runs.get(tid, run_id))["status"] == "success"


async def test_the_store_shows_your_own_namespaces_only(clients, db):
    from memory.learning import put_block

    client, bob = clients
    await put_block(db.store, "proto-alice", "profile", {"channel": "Lego Labs"})
    item = await client.store.get_item(["creators", "proto-alice", "profile"], "current")
    assert item["value"] == {"channel": "Lego Labs"} and item["namespace"] == ["creators", "proto-alice", "profile"]
    found = await client.store.search_items([])
    assert [i["value"] for i in found["items"]] == [{"channel": "Lego Labs"}]
    assert (await client.store.list_namespaces())["namespaces"] == [["creators", "proto-alice", "profile"]]
    assert (await bob.store.search_items([]))["items"] == []
    for call in (bob.store.get_item(["creators", "proto-alice", "profile"], "current"),
                 bob.store.search_items(["creators", "proto-alice"])):
        with pytest.raises(httpx.HTTPStatusError) as hidden:
            await call
        assert hidden.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError) as refused:  # edits go through the agent's approved edit_memory
        await client.store.put_item(["creators", "proto-alice", "profile"], "current", {"channel": "x"})
    assert refused.value.response.status_code == 405


async def test_langchain_run_events_stream_with_the_other_modes(clients, settings):
    client, _ = clients
    tid = (await client.threads.create())["thread_id"]
    parts = [p async for p in client.runs.stream(tid, "agent", input=user(SCORE),
                                                  stream_mode=["events", "updates", "messages-tuple"])]
    kinds = [p.event for p in parts]
    assert kinds[0] == "metadata" and kinds[-1] == "end" and "warning" not in kinds
    assert [next(iter(p.data)) for p in parts if p.event == "updates"] == ["model", "tools", "model", "answer"]
    assert any(p.event == "messages" for p in parts)  # the other modes still come, from the same run
    events = [p.data for p in parts if p.event == "events"]
    names = [(e["event"], e["name"]) for e in events]
    assert names[0] == ("on_chain_start", "creator_cortex") and names[-1] == ("on_chain_end", "creator_cortex")
    assert {("on_chain_start", "model"), ("on_chat_model_stream", "OfflineEngine"), ("on_tool_start", "score_title"),
            ("on_tool_end", "score_title"), ("on_chain_end", "answer")} <= set(names)
    assert ("on_chain_stream", "creator_cortex") not in names  # the graph's own stream items are the updates
    tool_end = next(e for e in events if e["event"] == "on_tool_end")
    assert "/100" in tool_end["data"]["output"]["content"] and tool_end["metadata"]["langgraph_node"] == "tools"
    assert all(e["metadata"]["thread_id"] == tid for e in events)
    text = str(events)
    for internal in (str(settings.state_dir), str(settings.pg_data_dir), "postgresql://"):
        assert internal not in text
