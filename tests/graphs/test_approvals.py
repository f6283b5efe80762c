"""Human in the loop: the conversation stops before a tool with side effects (use_title), asks the creator, and
resumes with the answer, in the graph, in the chat UI (recorded emitter and a real browser); a declined or
unanswered request changes nothing and leaves the thread whole."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
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
from ui.render import approval_decision

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


class ApprovingEmitter(RecordingEmitter):
    """Clicks a button of every question the UI asks (``choice``: "approve" or "cancel")."""

    def __init__(self, session, choice: str):
        super().__init__(session)
        self.choice, self.asked = choice, []

    async def send_ask_user(self, step_dict, spec, raise_on_timeout=False):
        self.asked.append(step_dict["output"])
        return {"name": self.choice, "payload": {"type": "approve" if self.choice == "approve" else "reject"},
                "label": self.choice.title(), "forId": step_dict["id"], "id": str(uuid.uuid4())}


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


@pytest.mark.parametrize("choice", ["approve", "cancel"])
async def test_chat_asks_with_buttons_and_resumes(db, choice):
    from ui.render import render_turn

    ctx = init_http_context(thread_id=str(uuid.uuid4()))
    ctx.emitter = emitter = ApprovingEmitter(ctx.session, choice)
    graph = build_graph(db.checkpointer, db.store)
    thread = ctx.session.thread_id
    answer = await render_turn(graph, "I'll use 'Lego Volcano, Day 30'", run_config(thread, "hitl-tester"),
                               CortexContext(creator_id="hitl-tester"))
    assert emitter.asked == ["**Approve?** Record that you are using “Lego Volcano, Day 30” (your own title) for "
                             "this video."]
    names = [s["name"] for s in emitter.steps if s.get("type") in ("run", "tool")]
    assert names.count("Run") >= 2 and "approval" in names  # the run before the question and the resumed one
    recorded = await _choices(db, thread)
    if choice == "approve":
        assert answer.content.startswith("Recorded: you are using “Lego Volcano, Day 30”") and len(recorded) == 1
    else:
        assert "you declined it" in answer.content and recorded == []


class TypingEmitter(RecordingEmitter):
    """Types a message while the Approve/Cancel question is open, as Chainlit's chat sends it then: the message (a
    step dict with ``output``) is the open question's reply."""

    def __init__(self, session, typed: str):
        super().__init__(session)
        self.typed, self.asked = typed, []

    async def send_ask_user(self, step_dict, spec, raise_on_timeout=False):
        self.asked.append(step_dict["output"])
        return {"id": str(uuid.uuid4()), "type": "user_message", "name": "hitl-tester", "output": self.typed}


def test_what_the_approval_question_gets_back_is_read():
    assert approval_decision({"name": "approve", "payload": {"type": "approve"}}) == ({"type": "approve"}, None)
    assert approval_decision({"type": "user_message", "output": "go ahead"}) == ({"type": "approve"}, None)
    assert approval_decision({"type": "user_message", "output": "no, cancel"}) == ({"type": "reject"}, None)
    decision, request = approval_decision({"type": "user_message", "output": "score “My Lego Volcano” instead"})
    assert decision["type"] == "reject" and request == "score “My Lego Volcano” instead"
    assert approval_decision(None)[0]["type"] == "reject"


@pytest.mark.parametrize("typed", ["go ahead", "no, cancel", "actually, rate my title 'Lego Volcano, Day 31' first"])
async def test_typing_while_the_chat_asks_resolves_the_approval(db, typed):
    from ui.render import render_turn

    ctx = init_http_context(thread_id=str(uuid.uuid4()))
    ctx.emitter = emitter = TypingEmitter(ctx.session, typed)
    graph = build_graph(db.checkpointer, db.store)
    thread = ctx.session.thread_id
    answer = await render_turn(graph, "I'll use 'Lego Volcano, Day 30'", run_config(thread, "hitl-tester"),
                               CortexContext(creator_id="hitl-tester"))
    recorded = await _choices(db, thread)
    assert len(emitter.asked) == 1
    if typed == "go ahead":
        assert answer.content.startswith("Recorded: you are using “Lego Volcano, Day 30”") and len(recorded) == 1
    elif typed == "no, cancel":
        assert "you declined it" in answer.content and recorded == []
    else:  # another request: the action is set aside, the request runs as the next turn
        assert recorded == []
        state = await graph.aget_state(run_config(thread, "hitl-tester"))
        calls = [c["name"] for m in state.values["messages"] if isinstance(m, AIMessage) for c in m.tool_calls]
        assert calls == ["use_title", "score_title"] and "Lego Volcano, Day 31" in answer.content


async def test_approval_in_the_browser(db):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    creator = f"hitl-browser-{uuid.uuid4().hex[:8]}"
    with spawned_service({"CORTEX_AUTO_INGEST": "false"}) as served:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await login(page, served.url, creator)
            await page.locator("#chat-input").fill("I'll use 'My Browser Volcano'")
            await page.locator("#chat-submit").click()
            await page.get_by_role("button", name="Approve").click(timeout=90_000)
            await page.get_by_text("Recorded: you are using “My Browser Volcano”").last.wait_for(timeout=60_000)
            await browser.close()
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT title FROM title_choices WHERE creator_id = %s ORDER BY chosen_at", (creator,))
        assert [r["title"] for r in await cur.fetchall()] == ["My Browser Volcano"]


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
