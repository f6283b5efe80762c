"""Render one graph run in Chainlit: a step per node update and per trace event, the answer token by token,
and the charts tools return attached to the answer; approval requests as buttons; under generated titles a row of
feedback buttons per title (``title_actions``; ``ui.app`` records the clicks).

``render_run`` consumes ``graph.astream(..., stream_mode=["updates", "messages", "custom"])``; ``render_turn``
runs a whole turn through the turn runner (``agent.turns.run_turn``): ``render_run`` shows each graph run, and when
the graph stops to ask the creator's approval (an action with side effects, ``graphs.conversation``)
``ask_approval`` asks and the graph resumes with the answer. Both need a Chainlit context (a real session, or a
mocked one in tests).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, cast

import chainlit as cl
from chainlit.config import config as cl_config
from chainlit.types import AskActionSpec
from chainlit.utils import utc_now
from langchain.agents.middleware.human_in_the_loop import Decision, HITLRequest, HITLResponse
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langgraph.graph.state import CompiledStateGraph

from agent.turns import run_turn
from graphs.conversation import NEW_MESSAGE, typed_decision
from tools.base import CortexContext

NODE_TITLES = {"model": "Model", "approve": "Approval", "tools": "Tools", "answer": "Answer"}
STREAM_MODES = ["tasks", "updates", "messages", "custom"]
APPROVAL_TIMEOUT_S = 600
"""How long an approval request waits for the creator's click; unanswered, it counts as declined."""
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


class ApprovalQuestion(cl.AskActionMessage):
    """Chainlit's Approve/Cancel question (``cl.AskActionMessage``), whose answer may also be a message typed while
    it is open: Chainlit's chat hands such a message to the open question (the browser's ``replyMessage``), and the
    stock ``send`` then fails reading a button's label from it. This ``send`` is the stock one (chainlit 2.x
    ``AskActionMessage.send``) with the typed answer shown as the question's outcome."""

    async def send(self) -> dict[str, Any] | None:  # type: ignore[override]
        """Show the question with its buttons and wait: the clicked action (``payload``, ``label``), the typed
        message (a step dict with ``output``), or None after ``timeout`` seconds."""
        self.created_at = self.created_at or utc_now()
        self.streaming = False
        if cl_config.code.author_rename:
            self.author = await cl_config.code.author_rename(self.author)
        self.wait_for_answer = True
        step_dict = await self._create()
        for action in self.actions:
            await action.send(for_id=str(step_dict["id"]))
        spec = AskActionSpec(type="action", step_id=step_dict["id"], timeout=self.timeout,
                             keys=[a.id for a in self.actions])
        res = cast(dict[str, Any] | None,
                   await cl.context.emitter.send_ask_user(step_dict, spec, self.raise_on_timeout))
        for action in self.actions:
            await action.remove()
        if res is None:
            self.content = "Timed out: no action was taken"
        elif "label" in res:
            self.content = f"**Selected:** {res['label']}"
        else:
            self.content = f"**You wrote:** {res.get('output', '')}"
        self.wait_for_answer = False
        await self.update()
        return res


def approval_decision(answer: dict[str, Any] | None) -> tuple[Decision, str | None]:
    """The decision from what an Approve/Cancel prompt got back, and a new request typed instead of an answer (else
    None). Chainlit hands a message typed while the prompt is open to the prompt (its reply, not ``on_message``):

    - a button: its payload (approve or reject);
    - a typed answer ("yes", "go ahead" / "no, cancel", ``graphs.conversation.typed_decision``): that decision;
    - any other typed message: the action is declined because a new message arrived (``NEW_MESSAGE``), and the
      message is returned to be run as the next turn;
    - nothing within ``APPROVAL_TIMEOUT_S``: declined.
    """
    if answer is None:
        return {"type": "reject", "message": f"no answer within {APPROVAL_TIMEOUT_S // 60} minutes"}, None
    if isinstance(answer.get("payload"), dict):
        return answer["payload"], None
    text = str(answer.get("output") or "").strip()
    decision = typed_decision(text)
    if decision is not None:
        return {"type": decision}, None
    return {"type": "reject", "message": NEW_MESSAGE}, text or None


async def ask_approval(request: HITLRequest, typed: list[str] | None = None) -> HITLResponse:
    """Ask the creator about each action of an approval request (LangChain's ``HITLRequest``) with Approve and
    Cancel buttons, or a typed answer (``approval_decision``); returns the answer to resume with (``HITLResponse``:
    one decision per action). A new request typed instead of an answer is appended to ``typed``."""
    decisions: list[Decision] = []
    for action in request["action_requests"]:
        clicked = await ApprovalQuestion(
            content=f"**Approve?** {action.get('description') or action['name']}",
            actions=[
                cl.Action(name="approve", payload={"type": "approve"}, label="Approve", icon="check"),
                cl.Action(name="cancel", payload={"type": "reject"}, label="Cancel", icon="x"),
            ],
            timeout=APPROVAL_TIMEOUT_S,
        ).send()
        decision, request_text = approval_decision(clicked)
        decisions.append(decision)
        if request_text is not None and typed is not None:
            typed.append(request_text)
    return HITLResponse(decisions=decisions)


async def render_turn(graph: CompiledStateGraph, text: str, config: dict, context: CortexContext) -> cl.Message:
    """Run one turn of the conversation on the creator's message and show it (``agent.turns.run_turn``): a turn the
    thread left unfinished is closed first, each graph run is shown by ``render_run``, and each time the graph stops
    for an approval ``ask_approval`` asks and the graph resumes with the answer (a button or a typed yes / no); a new
    request typed while the question waited runs as the next turn. Stopped by the creator (the task is
    cancelled), the thread is closed with STOPPED as the reason. Returns the last answer message."""
    answers: list[cl.Message] = []

    async def show(stream: AsyncIterator[tuple[str, Any]]) -> None:
        answers.append(await render_run(stream))

    typed: list[str] = []

    async def approval(request: HITLRequest) -> HITLResponse:
        return await ask_approval(request, typed)

    await run_turn(graph, {"messages": [("user", text)]}, config, context, on_stream=show, on_approval=approval,
                   stream_modes=STREAM_MODES, stopped=STOPPED)
    for request_text in typed:  # a new request typed while an approval waited: the next turn
        answers.append(await render_turn(graph, request_text, config, context))
    return answers[-1]
