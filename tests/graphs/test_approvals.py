"""Human in the loop: the conversation stops before a tool with side effects (use_title), asks the creator, and
resumes with the answer, in the graph, the CLI and the chat UI (recorded emitter and a real browser: a click or a
typed "yes" / "no, cancel"); a declined or unanswered request changes nothing and leaves the thread whole."""

from __future__ import annotations

import os
import shutil
import uuid
from typing import Any

import pytest
from chainlit.context import context as cl_context
from chainlit.context import init_http_context
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import Command
from playwright.async_api import async_playwright

from agent.server import spawned_service
from agent.turns import run_config
from graphs.conversation import (
    DURABILITY,
    NEW_MESSAGE,
    NOT_APPROVED,
    build_graph,
    close_unfinished_turn,
    read_decisions,
    typed_decision,
)
from memory.learning import get_block, put_block
from tools.base import CortexContext
from tools.learning.choices import WHICH_TITLE, resolve_choice
from tools.learning.offline import extract_use_title

from support import CHROMIUM, CHROMIUM_ARGS, RecordingEmitter, login, tool_calls_answered


async def _turn(graph, thread: str, payload) -> tuple[list, object]:
    """One run; returns (the thread's messages, its state)."""
    config = run_config(thread, "hitl-tester")
    async for _ in graph.astream(payload, config, context=CortexContext(creator_id="hitl-tester"),
                                 stream_mode="updates", durability=DURABILITY):
        pass
    state = await graph.aget_state(config)
    return state.values["messages"], state


async def _choices(db, thread: str) -> list[dict]:
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT creator_id, title, candidate_rank, candidate, source_tool_call_id FROM title_choices "
            "WHERE thread_id = %s ORDER BY choice_id", (thread,))
        return await cur.fetchall()


async def test_the_second_generated_title_is_recorded_after_approval(db, data_dir):
    graph = build_graph(db.checkpointer, db.store)
    thread = str(uuid.uuid4())
    transcript = (data_dir / "transcripts_3blue1brown" / "videos" / "2016_brachistochrone" / "captions.srt").read_text()
    messages, _ = await _turn(graph, thread, {"messages": [("user", f"Give me title ideas for this video\n\n{transcript}")]})
    generated = next(m for m in messages if isinstance(m, ToolMessage) and m.name == "generate_titles")
    shown = generated.artifact["shown"]
    assert len(shown) >= 2 and f"2. **{shown[1]}**" in generated.content  # numbered as the creator reads them

    messages, state = await _turn(graph, thread, {"messages": [("user", "I'm using the second one")]})
    assert state.next == ("approve",) and messages[-1].tool_calls[0]["name"] == "use_title"
    request = state.interrupts[0].value
    assert request["action_requests"][0]["args"] == {"choice": 2}
    assert f"“{shown[1]}” (#2 of the generated titles" in request["action_requests"][0]["description"]
    assert await _choices(db, thread) == []  # nothing recorded before the creator answers

    messages, state = await _turn(graph, thread, Command(resume={"decisions": [{"type": "approve"}]}))
    assert state.next == () and messages[-1].content.startswith(f"Recorded: you are using “{shown[1]}” (#2")
    judged = next(t for t in generated.artifact["titles"] if t["candidate"]["title"] == shown[1])
    [row] = await _choices(db, thread)
    assert row["creator_id"] == "hitl-tester" and row["title"] == shown[1] and row["candidate_rank"] == 2
    assert row["candidate"]["score"] == judged["score"] and row["source_tool_call_id"] == generated.tool_call_id


async def test_declined_and_unanswered_requests_change_nothing(db):
    graph = build_graph(db.checkpointer, db.store)
    thread = str(uuid.uuid4())
    await _turn(graph, thread, {"messages": [("user", "I'll use 'Moon Drift Explained'")]})
    messages, state = await _turn(graph, thread, Command(resume={"type": "reject", "message": "wrong video"}))
    rejected = messages[-2]
    assert isinstance(rejected, ToolMessage) and rejected.status == "error"
    assert rejected.content == "That step did not run: you declined it, so nothing was changed (wrong video)"
    assert "you declined it" in messages[-1].content and state.next == ()

    _, state = await _turn(graph, thread, {"messages": [("user", "I'll use 'Moon Drift, Finally Explained'")]})
    assert state.interrupts  # waiting; the creator writes something else instead of answering
    config = run_config(thread, "hitl-tester")
    assert await close_unfinished_turn(graph, config, NEW_MESSAGE)
    messages, state = await _turn(graph, thread, {"messages": [("user", "Score this title: Moon Drift Explained")]})
    assert state.next == () and not state.interrupts and tool_calls_answered([m.model_dump() for m in messages])
    closed = [m for m in messages if isinstance(m, ToolMessage) and NEW_MESSAGE in str(m.content)]
    assert len(closed) == 1 and closed[0].name == "use_title"
    assert "offline engine" in messages[-1].content and await _choices(db, thread) == []
    assert not await close_unfinished_turn(graph, config, NEW_MESSAGE)  # already whole


def test_answers_to_an_approval_request():
    assert read_decisions("approve", 2) == [{"type": "approve"}, {"type": "approve"}]
    assert read_decisions({"type": "reject", "message": "no"}, 1) == [{"type": "reject", "message": "no"}]
    both = {"decisions": [{"type": "approve"}, {"type": "reject"}]}
    assert read_decisions(both, 2) == both["decisions"]
    for wrong, words in [("yes", "approve or reject"), (both, "one decision per action (3 here)"),
                         ({"decisions": [{"type": "edit"}]}, "approve or reject"),
                         ({"type": "reject", "message": 3}, "must be text"), (None, "Not an answer")]:
        with pytest.raises(ValueError) as error:
            read_decisions(wrong, 3 if wrong is both else 1)
        assert words in str(error.value), wrong


@pytest.mark.parametrize("text, decision", [
    ("yes", "approve"), ("Yes please!", "approve"), ("go ahead", "approve"), ("sure, do it", "approve"),
    ("ok 👍", "approve"), ("no", "reject"), ("no, cancel", "reject"), ("Nope.", "reject"), ("never mind", "reject"),
    ("yes but score it first", None), ("no idea what to call it", None), ("what about number 3?", None),
    ("yes please do", "approve"), ("sure go for it", "approve"), ("yep go ahead", "approve"), ("it's fine", "approve"),
    ("nah cancel that", "reject"), ("hold on, no", "reject"), ("nope not now", "reject"), ("don't save it", "reject"),
    ("forget that I like question titles", None), ("save the second one", None), ("thanks!", None),
    ("ok, so what about the thumbnail then, any ideas", None),
])
def test_a_typed_answer_to_an_approval_is_read(text, decision):
    assert typed_decision(text) == decision


async def test_use_title_reads_the_creators_words():
    assert await extract_use_title("I'm using the second one") == {"choice": 2}
    assert await extract_use_title("let's go with number 3") == {"choice": 3}
    assert await extract_use_title("ok, #4 it is") == {"choice": 4}
    assert await extract_use_title("I'll take the last one") == {"choice": -1}
    assert await extract_use_title("I'll use “My Lego Volcano Erupted” for it") == {"title": "My Lego Volcano Erupted"}
    assert await extract_use_title("I'm using that") == {}
    assert resolve_choice([], None, None) == WHICH_TITLE
    assert "no generated titles" in resolve_choice([], 2, None)
    own = resolve_choice([], None, " 'My Own Title' ")
    assert own.title == "My Own Title" and own.rank is None and own.candidate is None


def test_command_line_asks_too(db):
    from typer.testing import CliRunner

    from agent.cli import app
    from memory.db import use_database

    creator = f"cli-hitl-{uuid.uuid4().hex[:8]}"
    try:  # `cortex ask` opens and closes its own process database
        declined = CliRunner().invoke(app, ["ask", "I'll use 'Terminal Volcano'", "--creator", creator], input="n\n")
        approved = CliRunner().invoke(app, ["ask", "I'll use 'Terminal Volcano'", "--creator", creator], input="y\n")
    finally:
        use_database(db)
    assert declined.exit_code == 0 and "Approve? Record that you are using “Terminal Volcano”" in declined.output
    assert "you declined it" in declined.output
    assert approved.exit_code == 0 and "Recorded: you are using “Terminal Volcano”" in approved.output


class ActionEmitter(RecordingEmitter):
    """Keeps the buttons the UI sends and takes off (Chainlit's "action" and "remove_action" events)."""

    def __init__(self, session):
        super().__init__(session)
        self.actions: list[dict] = []
        self.removed: list[dict] = []

    async def emit(self, event, data):
        if event == "action":
            self.actions.append(data)
        elif event == "remove_action":
            self.removed.append(data)


QUESTION = "**Approve?** Record that you are using “Lego Volcano, Day 30” (your own title) for this video."


async def _asked(db) -> tuple[ActionEmitter, Any, str, dict]:
    """Send "I'll use 'Lego Volcano, Day 30'" in a new mocked chat: the turn ends with the approval request shown, its
    buttons on it and the input open; returns (the chat's emitter, the graph, thread id, run config)."""
    from ui.render import APPROVAL_HINT, render_turn

    ctx = init_http_context(thread_id=str(uuid.uuid4()))
    ctx.emitter = emitter = ActionEmitter(ctx.session)
    graph = build_graph(db.checkpointer, db.store)
    thread = cl_context.session.thread_id
    config = run_config(thread, "hitl-tester")
    answer = await render_turn(graph, "I'll use 'Lego Volcano, Day 30'", config, CortexContext(creator_id="hitl-tester"))
    assert answer.content == "" and await _choices(db, thread) == []  # nothing recorded before the answer
    [asked] = [s for s in emitter.steps if str(s.get("output", "")).startswith("**Approve?**")]
    assert asked["output"] == f"{QUESTION}\n\n{APPROVAL_HINT}"
    assert [(a["label"], a["payload"], a["forId"]) for a in emitter.actions] == [
        ("Approve", {"decision": "approve"}, asked["id"]), ("Cancel", {"decision": "reject"}, asked["id"])]
    return emitter, graph, thread, config


@pytest.mark.parametrize("choice", ["approve", "reject"])
async def test_chat_asks_with_buttons_and_a_click_resumes(db, choice):
    from ui.render import resume_approval

    emitter, graph, thread, config = await _asked(db)
    answer = await resume_approval(graph, choice, config, CortexContext(creator_id="hitl-tester"))
    names = [s["name"] for s in emitter.steps if s.get("type") in ("run", "tool")]
    assert names.count("Run") >= 2 and "approval" in names  # the run before the question and the resumed one
    assert len(emitter.removed) == 2  # the buttons are gone, and the question says how it was answered
    outcome = "Approved." if choice == "approve" else "Cancelled: nothing was changed."
    assert any(
        s.get("output") == f"{QUESTION}\n\n_{outcome}_" for s in emitter.steps)
    recorded = await _choices(db, thread)
    if choice == "approve":
        assert answer.content.startswith("Recorded: you are using “Lego Volcano, Day 30”") and len(recorded) == 1
    else:
        assert "you declined it" in answer.content and recorded == []
    assert await resume_approval(graph, "approve", config, CortexContext(creator_id="hitl-tester")) is None
    assert len(await _choices(db, thread)) == len(recorded)  # a second click on a stale button runs nothing


@pytest.mark.parametrize("typed", ["go ahead", "no, cancel", "actually, rate my title 'Lego Volcano, Day 31' first"])
async def test_typing_while_the_chat_asks_resolves_the_approval(db, typed):
    from ui.render import render_turn

    emitter, graph, thread, config = await _asked(db)
    answer = await render_turn(graph, typed, config, CortexContext(creator_id="hitl-tester"))
    recorded = await _choices(db, thread)
    assert len(emitter.removed) == 2
    if typed == "go ahead":
        assert answer.content.startswith("Recorded: you are using “Lego Volcano, Day 30”") and len(recorded) == 1
    elif typed == "no, cancel":
        assert "you declined it" in answer.content and recorded == []
    else:  # another request: the action is set aside, the request runs as the next turn
        assert recorded == []
        assert any(s.get("output") == f"{QUESTION}\n\n_Not done: you sent a new message instead._" for s in emitter.steps)
        state = await graph.aget_state(config)
        calls = [c["name"] for m in state.values["messages"] if isinstance(m, AIMessage) for c in m.tool_calls]
        assert calls == ["use_title", "score_title"] and "Lego Volcano, Day 31" in answer.content


async def test_a_resumed_chat_gets_the_approval_buttons_back(db):
    from ui.render import APPROVAL_KEY, restore_approval, resume_approval

    emitter, graph, thread, config = await _asked(db)
    [asked] = [s for s in emitter.steps if str(s.get("output", "")).startswith("**Approve?**")]
    saved = {"id": thread, "steps": [{**asked, "metadata": {APPROVAL_KEY: True}}]}  # as Chainlit's data layer keeps it
    resumed = init_http_context(thread_id=thread)  # a reload: a new session on the same thread
    resumed.emitter = again = ActionEmitter(resumed.session)
    assert await restore_approval(graph, config, saved)
    assert [(a["label"], a["forId"]) for a in again.actions] == [("Approve", asked["id"]), ("Cancel", asked["id"])]
    answer = await resume_approval(graph, "approve", config, CortexContext(creator_id="hitl-tester"))
    assert answer.content.startswith("Recorded: you are using “Lego Volcano, Day 30”") and len(await _choices(db, thread)) == 1
    assert len(again.removed) == 2 and not await restore_approval(graph, config, saved)  # nothing waits any more


async def test_the_trajectories_eval_can_leave_an_approval_for_a_typed_answer(db):
    from evals.trajectories import WAIT, Conversation, run_turns

    graph = build_graph(db.checkpointer, db.store)
    conv = Conversation(thread_id=str(uuid.uuid4()), creator_id="hitl-tester")
    await run_turns(graph, conv, ["I'll use 'Typed Volcano'", "yes go ahead"], [WAIT, "approve"], engine=None)
    assert [i["resume"] for i in conv.interrupts[0]] == [WAIT] and conv.interrupts[1] == []  # the "yes" answered it
    assert [r["title"] for r in await _choices(db, conv.thread_id)] == ["Typed Volcano"]


@pytest.fixture(scope="module")
def service(db):
    """`cortex serve` on a free port, sharing the session's Postgres (corpus already ingested)."""
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    # the first service of a test session distills the static embedding tier (~16 s idle, minutes on a loaded machine)
    with spawned_service({"CORTEX_AUTO_INGEST": "false"}, timeout_s=600) as served:
        yield served.url
    print(served.output)  # shown by pytest when a test of this module fails


@pytest.mark.parametrize("answer", ["click Approve", "yes", "no, cancel"])
async def test_approval_in_the_browser(db, service, answer):
    """In a real Chromium the approval request leaves the input open: a typed "yes" approves (the title is stored),
    a typed "no, cancel" declines (nothing is stored), and the Approve button still works."""
    creator = f"hitl-browser-{uuid.uuid4().hex[:8]}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await login(page, service, creator)
        await page.locator("#chat-input").fill("I'll use 'My Browser Volcano'")
        await page.locator("#chat-submit").click()
        try:
            await page.get_by_role("button", name="Approve").wait_for(timeout=90_000)
            await page.locator("#stop-button").wait_for(state="detached", timeout=30_000)  # the turn is over
            if answer == "click Approve":
                await page.get_by_role("button", name="Approve").click()
            else:
                await page.locator("#chat-input").fill(answer)
                await page.locator("#chat-submit").click()  # enabled: the question does not hold the input
            done = "you declined it" if answer == "no, cancel" else "Recorded: you are using “My Browser Volcano”"
            await page.get_by_text(done).last.wait_for(timeout=60_000)
            await page.get_by_role("button", name="Approve").wait_for(state="detached", timeout=10_000)
        finally:
            await page.screenshot(path=f"/tmp/hitl-browser-{answer.split()[0].strip(',')}.png")
            await browser.close()
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT title FROM title_choices WHERE creator_id = %s ORDER BY chosen_at", (creator,))
        stored = [r["title"] for r in await cur.fetchall()]
    assert stored == ([] if answer == "no, cancel" else ["My Browser Volcano"])


async def test_no_path_around_the_approval(db):
    """A side-effect call that reaches the tools node without the approve node (a Command that injects it and jumps
    to tools) does not run: the creator's memory stays as it was and the thread says why.

    (On a thread with no checkpoint such a Command also starts the graph at ``model``, which runs beside ``tools``;
    the HTTP API refuses these commands before any of it, see test_api.)"""
    graph = build_graph(db.checkpointer, db.store)
    creator, thread = "hitl-tester", str(uuid.uuid4())
    await put_block(db.store, creator, "preferences", {"events": 5, "note": "kept"})
    injected = AIMessage("", tool_calls=[{"name": "edit_memory", "args": {"action": "erase_all"}, "id": "call_x"}])
    messages, _ = await _turn(graph, thread, Command(goto="tools", update={"messages": [injected]}))
    assert any(NOT_APPROVED in str(m.content) for m in messages)  # the refusal, as the call's result and the answer
    assert (await get_block(db.store, creator, "preferences"))["note"] == "kept"
