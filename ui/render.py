"""Render one graph run in Chainlit: a step per node update and per trace event, the answer token by token,
and the charts tools return attached to the answer; approval requests as buttons; under generated titles a row of
feedback buttons per title (``title_actions``; ``ui.app`` records the clicks).

``render_run`` consumes ``graph.astream(..., stream_mode=["updates", "messages", "custom"])``; ``render_turn``
runs a whole turn through the turn runner (``agent.turns.run_turn``): ``render_run`` shows each graph run, and when
the graph stops to ask the creator's approval (an action with side effects, ``graphs.conversation``)
``offer_approval`` shows the request with Approve and Cancel buttons and the turn ends there, the input open: a click
resumes the graph (``resume_approval``, through ``ui.app``'s action callback), and so does a typed "yes" or "no,
cancel" on the next message (``render_turn``, through ``agent.turns.run_turn``). They need a Chainlit context (a real
session, or a mocked one in tests).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import chainlit as cl
from chainlit.utils import utc_now
from langchain.agents.middleware.human_in_the_loop import HITLRequest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agent.turns import run_turn, typed_answer, waiting_approval
from tools.base import CortexContext

NODE_TITLES = {"model": "Model", "approve": "Approval", "tools": "Tools", "answer": "Answer"}
STREAM_MODES = ["tasks", "updates", "messages", "custom"]
STOPPED = "you stopped it"


def _summarise_update(node: str, update: dict[str, Any]) -> tuple[str, str]:
    """(input, output) text of a node's update, for its step."""
    messages: list[BaseMessage] = (update or {}).get("messages", [])
    if node == "model":
        calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
        if calls:
            return "", "\n".join(f"call `{c['name']}` with {json.dumps(c['args'], default=str)}" for c in calls)
        return "", "drafted the answer"
    if node == "tools":
        return (
            "\n".join(m.name or "" for m in messages if isinstance(m, ToolMessage)),
            "\n\n".join(str(m.content)[:4000] for m in messages if isinstance(m, ToolMessage)),
        )
    if node == "answer":
        return "", f"engine: {update.get('engine', '')}"
    if node == "approve":
        return "", "\n".join(str(m.content) for m in messages) or "approved"
    return "", json.dumps(update, default=str)[:4000]


def _charts(update: dict[str, Any]) -> list[cl.Plotly]:
    """Plotly charts that tools put in their artifact (``{"chart": figure JSON}``), as inline elements."""
    import plotly.io

    charts = []
    for m in (update or {}).get("messages", []):
        artifact = getattr(m, "artifact", None)
        if isinstance(artifact, dict) and artifact.get("chart"):
            figure = plotly.io.from_json(artifact["chart"])
            charts.append(cl.Plotly(name=f"{m.name} chart", figure=figure, display="inline", size="large"))
    return charts


def _generation(update: dict[str, Any]) -> dict[str, Any] | None:
    """The artifact of a generate_titles result in a tools update (None when there is none)."""
    for m in (update or {}).get("messages", []):
        if isinstance(m, ToolMessage) and m.name == "generate_titles" and isinstance(m.artifact, dict) \
                and m.artifact.get("shown"):
            return m.artifact
    return None


TITLE_ACTIONS: list[tuple[str, str, str]] = [
    ("thumbs_up", "", "thumbs-up"), ("thumbs_down", "", "thumbs-down"), ("save", "Save", "bookmark"),
    ("copy", "Copy", "copy"), ("use", "Use", "check"), ("edit", "Edit", "pencil"), ("reject", "Reject", "x"),
]
"""The feedback buttons under each generated title: (signal, label, lucide icon)."""


def _title_buttons(generation_id: str | None, rank: int) -> list[cl.Action]:
    """The feedback buttons of the title ``rank`` of a generation (``TITLE_ACTIONS``)."""
    payload = {"generation_id": generation_id, "rank": rank}
    return [cl.Action(name="title_feedback", payload={**payload, "signal": signal}, label=label, icon=icon,
                      tooltip=signal.replace("_", " ")) for signal, label, icon in TITLE_ACTIONS]


async def title_actions(generation: dict[str, Any]) -> None:
    """One message per shown title with its feedback buttons (``TITLE_ACTIONS``); each click carries the signal,
    the title's number and the generation it came from, which the message keeps in its metadata (``TITLE_KEY``) so
    a resumed chat gets its buttons back (``restore_title_actions``)."""
    generation_id = generation.get("generation_id")
    for rank, title in enumerate(generation["shown"], 1):
        await cl.Message(content=f"**{rank}.** {title}", actions=_title_buttons(generation_id, rank), author="Titles",
                         metadata={TITLE_KEY: {"generation_id": generation_id, "rank": rank}}).send()


TITLE_KEY = "cortex_title"
"""Metadata key of a generated title's message: ``{"generation_id", "rank"}``."""


async def restore_title_actions(thread: dict[str, Any]) -> int:
    """Send again the feedback buttons of every generated title in a resumed chat (Chainlit keeps messages, not
    their buttons); returns how many titles got them."""
    restored = 0
    for step in thread.get("steps") or []:
        metadata = step.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata or "{}")
        title = metadata.get(TITLE_KEY)
        if isinstance(title, dict) and title.get("generation_id"):
            for action in _title_buttons(title["generation_id"], int(title["rank"])):
                await action.send(for_id=step["id"])
            restored += 1
    return restored


def _open_step(name: str, parent_id: str | None, step_type: str = "run") -> cl.Step:
    """A step shown as running ("Using ..."), open while it runs and collapsed once it ends."""
    step = cl.Step(name=name, type=step_type, parent_id=parent_id, default_open=True, auto_collapse=True)
    step.input = ""
    step.start = utc_now()
    return step


async def _close_step(step: cl.Step, output: str, error: bool = False) -> None:
    step.output = output
    step.is_error = error
    step.end = utc_now()
    await step.update()


async def render_run(stream: AsyncIterator[tuple[str, Any]]) -> cl.Message:
    """Show a run as it happens; returns the answer message (sent, with its final content).

    One "Run" step is sent first, in the message handler's step as the answer is, so the steps read above the answer;
    inside it a step per node opens when the node
    starts (stream mode "tasks") and closes with its summary when it ends ("updates"), and each trace event of a
    node is a step inside that node's. Steps are open while they run and collapse when they end.
    """
    handler = cl.context.current_step  # Chainlit's on_message step, which also holds the answer
    run = _open_step("Run", handler.id if handler else None)
    await run.send()
    answer = cl.Message(content="", elements=[])
    final: str | None = None
    generation: dict[str, Any] | None = None
    running: dict[str, cl.Step] = {}  # node name -> its open step
    shown = 0
    try:
        async for mode, chunk in stream:
            if mode == "tasks" and not chunk.get("name", "").startswith("__"):
                if "input" in chunk:  # a node starts
                    running[chunk["name"]] = step = _open_step(NODE_TITLES.get(chunk["name"], chunk["name"]), run.id)
                    await step.send()
                    shown += 1
                elif chunk.get("error") and (step := running.pop(chunk["name"], None)):
                    await _close_step(step, str(chunk["error"]), error=True)
            elif mode == "messages":
                token, meta = chunk
                if meta.get("langgraph_node") == "model" and isinstance(token, AIMessageChunk):
                    if isinstance(token.content, str) and token.content:
                        await answer.stream_token(token.content)
            elif mode == "custom" and isinstance(chunk, dict) and chunk.get("type") == "trace":
                shown += 1
                parent = next(reversed(running.values()), run)  # the node that emitted it
                async with cl.Step(name=chunk["name"], type="tool", parent_id=parent.id) as step:
                    step.input = ""
                    step.output = json.dumps(chunk.get("data", {}), indent=2, default=str)
                    step.language = "json"
            elif mode == "updates":
                for node, update in chunk.items():
                    if node.startswith("__"):
                        continue  # __interrupt__ and other internal keys
                    step_input, step_output = _summarise_update(node, update)
                    step = running.pop(node, None)
                    if step is None:  # a node whose start was not streamed
                        step = _open_step(NODE_TITLES.get(node, node), run.id)
                        await step.send()
                        shown += 1
                    step.input = step_input
                    await _close_step(step, step_output)
                    if node == "tools":
                        answer.elements.extend(_charts(update))
                        generation = _generation(update) or generation
                    if node == "answer":
                        final = str(update["messages"][-1].content)
    finally:  # also when stopped for an approval, or cancelled: nothing is left "running"
        for step in running.values():
            await _close_step(step, "stopped")
        await _close_step(run, f"{shown} steps")
    if final is not None:
        answer.content = final
    if generation is not None:  # the answer's thumbs rate the whole generation (ui.app's data layer)
        answer.metadata = {**(answer.metadata or {}), "generation_id": generation.get("generation_id")}
    if answer.content or answer.elements:  # a run that stopped for an approval has no answer yet
        await answer.send()  # ends the token stream and persists the message
        if generation is not None and generation.get("generation_id"):
            await title_actions(generation)
    return answer


APPROVAL_ACTION = "approval"
"""The action name of the Approve and Cancel buttons under an approval request (``ui.app`` resumes on a click)."""
APPROVAL_KEY = "cortex_approval"
"""Metadata key of the message that asks for an approval (True), so a resumed chat gets its buttons back."""
_OFFER = "cortex_approval_offer"
"""The user-session key of the approval request shown now: ``{"message": cl.Message, "actions": [cl.Action]}``."""


APPROVAL_HINT = "Approve or Cancel below, or just reply yes or no."
"""How to answer an approval request, under it while it waits."""


def approval_question(request: HITLRequest) -> str:
    """What the chat asks before an action with side effects: each action in the creator's words (its
    description)."""
    actions = [a.get("description") or a["name"] for a in request["action_requests"]]
    return "**Approve?** " + (actions[0] if len(actions) == 1 else "\n" + "\n".join(f"- {a}" for a in actions))


def _approval_buttons() -> list[cl.Action]:
    return [cl.Action(name=APPROVAL_ACTION, payload={"decision": "approve"}, label="Approve", icon="check"),
            cl.Action(name=APPROVAL_ACTION, payload={"decision": "reject"}, label="Cancel", icon="x")]


async def offer_approval(request: HITLRequest) -> cl.Message:
    """Ask for an approval (LangChain's ``HITLRequest``) with a message carrying Approve and Cancel buttons
    (``APPROVAL_ACTION``), without waiting: the chat's input stays open (a Chainlit ``AskActionMessage`` disables it
    while it waits), so the creator answers by a click (``resume_approval``) or in words on the next message
    (``agent.turns.typed_answer``); the buttons apply to every action of the request."""
    actions, question = _approval_buttons(), approval_question(request)
    message = cl.Message(content=f"{question}\n\n{APPROVAL_HINT}", actions=actions, author="Approval",
                         metadata={APPROVAL_KEY: True})
    await message.send()
    cl.user_session.set(_OFFER, {"message": message, "actions": actions, "question": question})
    return message


async def _close_offer(outcome: str) -> None:
    """Take the buttons off the approval request shown now (if any) and say how it was answered."""
    offer = cl.user_session.get(_OFFER)
    if not offer:
        return
    cl.user_session.set(_OFFER, None)
    for action in offer["actions"]:
        await action.remove()
    message: cl.Message = offer["message"]
    message.actions = []
    message.content = f"{offer['question']}\n\n_{outcome}_"
    await message.update()


async def restore_approval(graph: CompiledStateGraph, config: dict, thread: dict[str, Any]) -> bool:
    """Send again the Approve and Cancel buttons of a resumed chat whose thread still waits for an approval, under
    the message that asked (the last one with ``APPROVAL_KEY``); returns whether it did."""
    if await waiting_approval(graph, config) is None:
        return False
    for step in reversed(thread.get("steps") or []):
        metadata = step.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata or "{}")
        if metadata.get(APPROVAL_KEY):
            actions = _approval_buttons()
            for action in actions:
                await action.send(for_id=step["id"])
            question = (step.get("output") or "").split(f"\n\n{APPROVAL_HINT}")[0]
            message = cl.Message(content=question, id=step["id"], author="Approval", metadata={APPROVAL_KEY: True})
            cl.user_session.set(_OFFER, {"message": message, "actions": actions, "question": question})
            return True
    return False


OUTCOMES = {"approve": "Approved.", "reject": "Cancelled: nothing was changed.",
            None: "Not done: you sent a new message instead."}
"""How the approval request reads once answered: approved, cancelled, or set aside by a new request."""
ANSWERED = "Already answered."
"""How a shown approval request reads when the thread no longer waits for it."""


async def _run(graph: CompiledStateGraph, payload: Any, config: dict, context: CortexContext, close_first: bool
               ) -> cl.Message:
    """Run one graph turn (``agent.turns.run_turn``), shown by ``render_run``; when it stops for an approval, ask
    for it (``offer_approval``). Stopped by the creator (the task is cancelled), the thread is closed with STOPPED
    as the reason. Returns the answer message (empty when the turn waits for the approval)."""
    answers: list[cl.Message] = []

    async def show(stream: AsyncIterator[tuple[str, Any]]) -> None:
        answers.append(await render_run(stream))

    result = await run_turn(graph, payload, config, context, on_stream=show, stream_modes=STREAM_MODES,
                            stopped=STOPPED, close_first=close_first)
    if result.approval is not None:
        await offer_approval(result.approval)
    return answers[-1]


async def resume_approval(graph: CompiledStateGraph, decision: str, config: dict, context: CortexContext
                          ) -> cl.Message | None:
    """Answer the approval the thread waits for with a click (``decision``: "approve" or "reject") and show the
    resumed run; None (and nothing runs) when the thread no longer waits for one (answered in words, or set aside by
    a new message)."""
    if await waiting_approval(graph, config) is None:
        await _close_offer(ANSWERED)
        return None
    await _close_offer(OUTCOMES[decision])
    return await _run(graph, Command(resume=decision), config, context, close_first=False)


async def render_turn(graph: CompiledStateGraph, text: str, config: dict, context: CortexContext) -> cl.Message:
    """Run one turn of the conversation on the creator's message and show it (``agent.turns.run_turn``): a message
    that answers a waiting approval in words ("yes", "go ahead", "no, cancel") resumes it, any other message sets
    the waiting action aside and runs as a new request (the approval request then says which happened); each graph
    run is shown by ``render_run``, and a run that stops for an approval asks for it (``offer_approval``). Returns
    the answer message (empty when the turn waits for an approval)."""
    payload = {"messages": [("user", text)]}
    if cl.user_session.get(_OFFER):
        waiting = await waiting_approval(graph, config) is not None
        await _close_offer(OUTCOMES[await typed_answer(graph, config, payload)] if waiting else ANSWERED)
    return await _run(graph, payload, config, context, close_first=True)
