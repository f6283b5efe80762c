"""The conversation graph: model -> [approve ->] tools -> model ... -> answer.

- ``model``: the chat model of the run's engine (an LLM through the gateway, or the offline engine) with
  every tool bound; it either calls tools or answers.
- ``approve``: only when the model calls a tool with side effects (``describe_effect``: recording a
  title the creator uses, writing to YouTube): the run stops with a LangGraph ``interrupt`` whose value is
  LangChain's human-in-the-loop request (``HITLRequest``: one action request per call, with the change in words,
  and the decisions allowed: approve or reject). It resumes with ``Command(resume=answer)`` (``read_decisions``
  says which answers are accepted); approved calls go to ``tools``, rejected ones get a tool result saying
  nothing was done.
- ``tools``: LangGraph's ToolNode (``tools_node``), which runs a call with side effects only when ``approve`` sent
  it, whatever path reached it; tools emit trace events on the custom stream. A generate_titles result gets the
  promise check of its shown titles (``tools.preproduction.tool.guard_titles``: where each title's promise lands in
  the transcript) before the model reads it.
- ``answer``: stamps the final message with the engine that wrote it, so users always see it.

Per-run settings travel in the context (``CortexContext``: creator_id, engine, and the database and settings the
driver opened); the thread id in ``config["configurable"]["thread_id"]`` names the conversation, checkpointed in
Postgres. Runs use ``durability="sync"`` (``DURABILITY``): each step's checkpoint is written before the next step
starts, so a run cancelled or crashed mid-way keeps every completed step; ``close_unfinished_turn`` then makes the
thread whole. The drivers run a turn through ``agent.turns.run_turn``.

LangChain's agent middleware (``langchain.agents.middleware``) was weighed against the hand-written parts and not
used, because each would change behaviour:

- ``HumanInTheLoopMiddleware`` (for ``approve``, ``approval_request``, ``read_decisions``): its hooks run as nodes of
  ``create_agent``'s graph (``HumanInTheLoopMiddleware.after_model`` between ``model`` and ``tools``), so the
  ``approve`` and ``answer`` nodes that the tests, evals, the API's ``interrupt_before`` and the UI's step names read
  would be gone. Called by hand inside ``approve`` it still differs: a rejection reads "User rejected the tool call
  for `use_title` with reason: ..." where ours says "That step did not run: you declined it, so nothing was
  changed (...)" (the answer and the tests quote it); it reads only ``{"decisions": [...]}``
  (``interrupt(...)["decisions"]``) where resumes may also be "approve", "reject" or one decision for every action,
  checked before the run starts (the API's 422 says what is expected); and it leaves rejected calls on the model's
  message for ``create_agent``'s routing to skip, where ours sends only the approved calls to ``tools`` (``Send``).
  Its ``interrupt_on``/``when``/description factory could carry ``describe_effect`` (None = no approval), so the
  wording "Approve? <description>" is not what stands in the way. Its types are used: ``HITLRequest``,
  ``ActionRequest``, ``ReviewConfig``, ``Decision`` here, ``HITLResponse`` in the drivers.
- ``ToolCallLimitMiddleware`` (for ``MAX_TOOL_ROUNDS``): it counts tool calls per thread or per run (an approval's
  resume is a new run), not tool rounds since the creator's message, and at the limit it answers the calls with
  "Tool call limit exceeded" errors while the model keeps its tools ("continue"), ends the run with its own message
  ("end") or raises ("error"). None of these calls the model once more without tools so that it answers from what
  it has, which is the cap here.
- ``ModelCallLimitMiddleware``: at its limit it ends the run with "Model call limits exceeded: ..." or raises, in
  place of the model's answer, and it counts per run or thread, not per turn.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from langchain.agents.middleware.human_in_the_loop import ActionRequest, Decision, HITLRequest, ReviewConfig
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from langgraph.types import Command, Durability, Send, interrupt

from agent.models import OFFLINE_LABEL, chat_model, engine_label, llm_fault
from memory.db import Database
from tools import all_tools, engines_loaded, load_engines
from tools.base import CortexContext, trace
from tools.preproduction.tool import guard_titles
from tools.scripts.parsing import compact_message

MAX_TOOL_ROUNDS = 4
"""Tool rounds allowed in one turn before the model must answer with what it has."""

DURABILITY: Durability = "sync"
"""Checkpoint mode of every run: "sync" writes each step's checkpoint before the next step starts."""

NEW_MESSAGE = "a new message arrived before it finished"
"""Why ``close_unfinished_turn`` closed a turn when the creator wrote again (e.g. past an unanswered approval)."""

ALLOWED_DECISIONS: list[Literal["approve", "reject"]] = ["approve", "reject"]
"""What a creator may answer to an approval request (LangChain's HITL decision types)."""

SYSTEM_PROMPT = """You are Creator Cortex, a strategist for YouTube creators.
Use the tools for anything about titles, outliers and channel data; never invent numbers, videos or scores.
Answer from the tool results: lead with the answer, keep the numbers (scores, grades, multipliers, views),
cite real videos by title and channel, and end with one concrete next step. Be concise; use markdown tables
where a creator compares several items. If a request is unclear, ask one short clarifying question.
For a pasted or attached transcript: generate_titles for titles (it includes the hooks), analyze_script for the
hooks only; leave their transcript argument empty, they read the transcript from the conversation.
Feedback on generated titles goes to record_feedback; "what have you learned about me?" to show_memory; "how did the titles I used do?" to title_outcomes.
"Is a video about X worth making?" goes to check_idea; intro hooks for a new video (a topic or a draft) to develop_hooks; its sections and timestamps to outline_script; whether the video keeps a title's promise early to check_promise
(generated titles already come with that check).
Tools that change something (use_title, edit_memory) run only after the creator approves; when a result says the creator declined,
say nothing was changed and do not call that tool again unless they ask."""


def _for_llm(message: BaseMessage) -> BaseMessage:
    """A human message with a long pasted transcript shortened for the model (the tools read the full text)."""
    if isinstance(message, HumanMessage) and isinstance(message.content, str):
        compact = compact_message(message.content)
        if compact != message.content:
            return HumanMessage(compact, id=message.id)
    return message


class ConversationState(MessagesState):
    """Messages (with tool calls and results) plus the label of the engine that wrote the last answer."""

    engine: str


def _tool_error(exc: Exception) -> str:
    return f"That tool could not run: {exc}. Check the request (e.g. a channel name or date) and try again."


def _this_turn(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The messages since the creator's last one (the current turn's model calls and tool results)."""
    last = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    return messages[last + 1:]


def _fallback_of(messages: list[BaseMessage]) -> str | None:
    """Why the offline engine took over from the LLM in this turn (``agent.models.llm_fault``), else None."""
    return next((m.response_metadata["llm_fallback"] for m in _this_turn(messages)
                 if isinstance(m, AIMessage) and m.response_metadata.get("llm_fallback")), None)


async def model_node(state: ConversationState, runtime: Runtime[CortexContext]) -> dict:
    """Call the model with every tool bound (none once MAX_TOOL_ROUNDS tool rounds ran in this turn). When the LLM
    fails (``agent.models.llm_fault``, after its own retries) and CORTEX_LLM_FALLBACK is "offline", the offline
    engine answers the rest of the turn; its messages carry the reason (``response_metadata["llm_fallback"]``)."""
    messages = state["messages"]
    rounds = sum(isinstance(m, AIMessage) and bool(m.tool_calls) for m in _this_turn(messages))
    settings = runtime.context.config()
    fault = _fallback_of(messages)

    async def call(engine: str | None) -> AIMessage:
        # off the event loop: a custom endpoint's first model asks it which models it serves (agent.models.model_name)
        model = await asyncio.to_thread(chat_model, "premium", settings=settings, engine=engine)
        bound = model.bind_tools(all_tools()) if rounds < MAX_TOOL_ROUNDS else model
        offline = model._llm_type == "cortex-offline"
        return await bound.ainvoke(messages if offline else [SystemMessage(SYSTEM_PROMPT), *map(_for_llm, messages)])

    try:  # once the LLM failed in this turn, the offline engine finishes it
        response = await call("offline" if fault else runtime.context.engine)
    except Exception as exc:
        fault = llm_fault(exc)
        if fault is None or settings.llm_fallback != "offline":
            raise
        trace("llm.fallback", reason=fault, error=type(exc).__name__)
        response = await call("offline")
    if fault:
        response.response_metadata["llm_fallback"] = fault
    if routing := response.response_metadata.get("routing"):
        trace("route", engine="offline", candidates=routing, chosen=[c["name"] for c in response.tool_calls])
    return {"messages": [response]}


def describe_effect(tool: BaseTool, args: dict[str, Any], messages: list[BaseMessage]) -> str | None:
    """The change a call of ``tool`` would make, for the creator to approve before it runs: tools with side effects
    carry ``metadata["side_effect"] = True`` and a ``metadata["describe_effect"](args, messages)`` that words the
    change, or returns None when this call would change nothing (``tools.base.cortex_tool(side_effect=...)``).
    None for every other tool."""
    metadata = tool.metadata or {}
    if not metadata.get("side_effect"):
        return None
    describe = metadata.get("describe_effect")
    return describe(args, messages) if describe else f"Run {tool.name} with {args}"


def pending_effects(messages: list[BaseMessage]) -> list[tuple[ToolCall, str]]:
    """The tool calls of the last message that would change something outside the conversation, each with that
    change in words (``describe_effect``); empty when none needs the creator's approval."""
    last = messages[-1] if messages else None
    if not isinstance(last, AIMessage):
        return []
    tools = {t.name: t for t in all_tools()}
    pending = []
    for call in last.tool_calls:
        if call["name"] in tools and (change := describe_effect(tools[call["name"]], call["args"], messages)):
            pending.append((call, change))
    return pending


def approval_request(pending: list[tuple[ToolCall, str]]) -> HITLRequest:
    """The interrupt value that asks for approval: LangChain's ``HITLRequest`` (``action_requests``: name, args and
    the change in words; ``review_configs``: approve or reject per tool)."""
    return HITLRequest(
        action_requests=[ActionRequest(name=c["name"], args=c["args"], description=change) for c, change in pending],
        review_configs=[ReviewConfig(action_name=name, allowed_decisions=list(ALLOWED_DECISIONS))
                        for name in dict.fromkeys(c["name"] for c, _ in pending)],
    )


def read_decisions(answer: Any, actions: int) -> list[Decision]:
    """The creator's decisions on ``actions`` action requests, from a resume value: LangChain's ``HITLResponse``
    (``{"decisions": [{"type": "approve"}, {"type": "reject", "message": "why"}, ...]}``, one per action, in
    order), or for all actions at once ``"approve"``, ``"reject"`` or one decision (``{"type": "approve"}``).

    Raises ValueError saying which answer is expected.
    """
    expected = (f'answer with {{"decisions": [{{"type": "approve"}}]}} (or "reject"), one decision per action '
                f'({actions} here), or just "approve" / "reject" for all of them')
    if isinstance(answer, str):
        answer = {"type": answer}
    if isinstance(answer, dict) and "type" in answer:
        answer = {"decisions": [answer] * actions}
    decisions = answer.get("decisions") if isinstance(answer, dict) else None
    if not isinstance(decisions, list) or len(decisions) != actions:
        raise ValueError(f"Not an answer to this approval request: {expected}.")
    for d in decisions:
        if not isinstance(d, dict) or d.get("type") not in ALLOWED_DECISIONS:
            raise ValueError(f"Unknown decision {d!r}: each decision is approve or reject; {expected}.")
        if "message" in d and not isinstance(d["message"], str):
            raise ValueError("A decision's message must be text (the reason for a rejection).")
    return decisions


_APPROVE_WORDS = frozenset(
    "yes yeah yea yep yup ya y ok okay k sure approve approved confirm confirmed go ahead proceed do fine correct "
    "right absolutely definitely course alright good great perfect sounds lets let's 👍 ✅".split())
_REJECT_WORDS = frozenset(
    "no nope nah n cancel cancelled canceled stop don't dont reject rejected decline declined never mind abort wait "
    "hold scrap skip not forget 👎 ❌".split())
_ANSWER_FILLER = frozenset(
    "please pls plz thanks thank you thx ty it that this for now then yet on and just the of save record use keep "
    "leave us me i actually oh so mate 🙏 that's it's is all away with".split())
_ANSWER_WORD = re.compile(r"[a-z']+|[👍👎✅❌🙏]")
MAX_ANSWER_WORDS = 8
"""The longest message read as an answer to a waiting approval; a longer one is a request of its own."""


def typed_decision(text: str) -> Literal["approve", "reject"] | None:
    """A creator's typed answer to a waiting approval: "approve" ("yes", "go ahead", "sure, go for it", "yes please
    do"), "reject" ("no", "no, cancel", "nah cancel that", "hold on, no", "never mind"), or None when the message is
    something else (a new request: "yes but score it first", "no idea what to call it").

    Read word by word: a short message (at most ``MAX_ANSWER_WORDS``) made only of words that answer (yes / no
    words) and words that carry no request of their own (please, thanks, it, that, save, ...) is an answer; any word
    that says no makes it a refusal, else a word that says yes an approval."""
    words = _ANSWER_WORD.findall(text.strip().lower().replace("’", "'"))
    if not words or len(words) > MAX_ANSWER_WORDS:
        return None
    if any(w not in _APPROVE_WORDS and w not in _REJECT_WORDS and w not in _ANSWER_FILLER for w in words):
        return None
    if any(w in _REJECT_WORDS for w in words):
        return "reject"
    if any(w in _APPROVE_WORDS for w in words):
        return "approve"
    return None


def after_model(state: ConversationState) -> str:
    """'approve' when a tool call would have side effects, 'tools' for other tool calls, else 'answer'."""
    last = state["messages"][-1]
    if not (isinstance(last, AIMessage) and last.tool_calls):
        return "answer"
    return "approve" if pending_effects(state["messages"]) else "tools"


def _not_run(call: ToolCall, why: str) -> ToolMessage:
    return ToolMessage(f"That step did not run: {why}", name=call["name"], tool_call_id=call["id"],
                       status="error")


async def approve_node(state: ConversationState) -> Command:
    """Ask the creator to approve the calls with side effects (an interrupt; the node runs again on resume and
    ``interrupt`` then returns the answer); send the approved calls to ``tools``, answer the rejected ones."""
    pending = pending_effects(state["messages"])
    decisions = read_decisions(interrupt(approval_request(pending)), len(pending))
    rejected = {}
    for (call, _), decision in zip(pending, decisions):
        if decision["type"] == "reject":
            reason = decision.get("message") or ""
            rejected[call["id"]] = _not_run(call, "you declined it, so nothing was changed" + (f" ({reason})" if reason else ""))
    approved = [c for c in state["messages"][-1].tool_calls if c["id"] not in rejected]
    trace("approval", approved=[c["name"] for c in approved if c["id"] in {p["id"] for p, _ in pending}],
          rejected=[m.name for m in rejected.values()])
    goto: Any = [Send("tools", approved)] if approved else "model"
    return Command(update={"messages": list(rejected.values())}, goto=goto)


NOT_APPROVED = "it would change something and did not go through your approval, so nothing was changed"
"""Why ``tools_node`` refuses a call with side effects that reached it without the approve node."""

_tool_node = ToolNode(all_tools(), handle_tool_errors=_tool_error)


async def tools_node(received: Any, config: RunnableConfig) -> Any:
    """Run tool calls with LangGraph's ToolNode. Calls with side effects run only when the approve node sent them
    (``Send("tools", approved_calls)``: a list of tool calls); reached by an edge with the state instead (a
    client's ``Command(goto="tools")`` over an injected message, or any other path around ``approve``), a step
    holding a call that needs approval runs nothing, and each of its calls gets a result saying why. Before the
    process's first tool call it loads the tools' engines in a worker thread (``tools.load_engines``), so no tool
    loads a model or reads its files inside the event loop (`langgraph dev` refuses blocking calls there)."""
    if not engines_loaded():
        await asyncio.to_thread(load_engines)
    if isinstance(received, dict) and (blocked := pending_effects(received.get("messages", []))):
        trace("approval.bypass_refused", calls=[c["name"] for c, _ in blocked])
        held = {c["id"] for c, _ in blocked}
        calls = received["messages"][-1].tool_calls
        return {"messages": [_not_run(c, NOT_APPROVED if c["id"] in held else "another call of this step needed your "
                                      "approval and did not get it") for c in calls]}
    result = await _tool_node.ainvoke(received, config)
    if isinstance(received, dict) and isinstance(result, dict) and result.get("messages"):
        history = received.get("messages", [])
        result = {**result, "messages": [guard_titles(m, history) if isinstance(m, ToolMessage) else m
                                         for m in result["messages"]]}
    return result


async def answer_node(state: ConversationState, runtime: Runtime[CortexContext]) -> dict:
    """Stamp the final answer with the engine that produced it."""
    last = state["messages"][-1]
    label = engine_label(settings=runtime.context.config(), engine=runtime.context.engine)
    if fault := _fallback_of(state["messages"]):
        label = f"{OFFLINE_LABEL}, because {fault}"
    content = last.content if isinstance(last.content, str) else str(last.content)
    stamped = AIMessage(
        id=last.id,
        content=f"{content}\n\n_— {label}_",
        response_metadata={**last.response_metadata, "engine_label": label},
    )
    return {"messages": [stamped], "engine": label}


def build_graph(checkpointer: BaseCheckpointSaver | None = None, store: BaseStore | None = None) -> CompiledStateGraph:
    """The compiled conversation graph; with a checkpointer each thread_id's messages persist."""
    builder = StateGraph(ConversationState, context_schema=CortexContext)
    builder.add_node("model", model_node)
    builder.add_node("approve", approve_node, destinations=("tools", "model"))
    builder.add_node("tools", tools_node)
    builder.add_node("answer", answer_node)
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", after_model, ["approve", "tools", "answer"])
    builder.add_edge("tools", "model")
    builder.add_edge("answer", END)
    return builder.compile(checkpointer=checkpointer, store=store, name="creator_cortex")


graph = build_graph()
"""Compiled without a checkpointer, for ``langgraph dev`` (langgraph.json); the service adds Postgres."""


_persistent: list[tuple[object, CompiledStateGraph]] = []
"""(database, its graph): the database object itself, not its id(), which a later database may reuse."""


def persistent_graph(db: Database) -> CompiledStateGraph:
    """The graph compiled with the open database's checkpointer and store (built once per database: the drivers
    pass the database they opened)."""
    if not _persistent or _persistent[0][0] is not db:
        _persistent[:] = [(db, build_graph(db.checkpointer, db.store))]
    return _persistent[0][1]


async def close_unfinished_turn(graph: CompiledStateGraph, config: dict, why: str) -> bool:
    """Make a thread whole after a turn that did not finish: a run cancelled mid-way (the client went away) or an
    approval never answered. Every tool call of the turn left without a result gets one saying it did not run
    and why, and the turn ends with a short note, written as the ``answer`` node so nothing is left to run.
    LLM providers reject a history with unanswered tool calls; this keeps the thread usable by the next run.

    Returns True when the thread needed it (it had steps left to run), False when it was already whole.
    """
    state = await graph.aget_state(config)
    if not state.next:
        return False
    messages = state.values.get("messages", [])
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    open_calls = [c for m in messages[last_human + 1:] if isinstance(m, AIMessage)
                  for c in m.tool_calls if c["id"] not in answered]
    note = AIMessage(f"_This turn stopped before it finished: {why}._",
                     response_metadata={"engine_label": "none (turn closed)"})
    await graph.aupdate_state(config, {"messages": [*(_not_run(c, why) for c in open_calls), note]}, as_node="answer")
    return True
