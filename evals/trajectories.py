"""Multi-turn scenarios, graded on the end state as tau-bench grades (Yao et al. 2024): not on wording.

A scenario (one line of ``evals/datasets/trajectories/trajectories.v<N>.jsonl``)::

    {"id": "t01-...",
     "inputs": {"turns": [{"message": "here's my transcript, what are the hooks?",
                           "attachments": ["transcripts_3blue1brown/videos/2019_bayes-theorem/captions.srt"]},
                          {"message": "I'm using the second one", "resume": "approve"}],
                "setup": [{"import_analytics": {"file": "youtube_studio_analytics_kenjee/...csv", "channel": "Ken Jee"}}]},
     "reference_outputs": {"tools": [["analyze_script"], [{"name": "use_title", "args": {"choice": 2}}]],
                           "end_state": {"queries": {"choices": "SELECT ... WHERE creator_id = %(creator_id)s
                                                                 AND thread_id = %(thread_id)s"},
                                         "checks": [{"name": "...", "expr": "db.choices[0].title == last.generate_titles.shown[1]"}]}},
     "metadata": {"splits": ["smoke", "full"], "description": "..."}}

- ``turns``: the creator's messages, sent one by one on one thread. ``attachments`` are files under the data folder,
  appended as the CLI and the chat UI attach them (``compose_message``). When a turn stops at an approval interrupt
  (a tool with side effects, ``graphs.conversation.approve_node``) the runner resumes it with
  ``Command(resume=turn["resume"])``, "approve" unless the turn says otherwise ("reject", or a HITL response);
  ``"resume": "wait"`` leaves the approval waiting, as the chat and the HTTP API do, for the next turn to answer in
  words ("yes, go ahead", "no, cancel": ``agent.turns.typed_answer``).
- ``setup``: done for the scenario's creator before the first turn (``import_analytics``: a YouTube Studio export).
- ``tools``: the expected tool calls of each turn (a name, or ``{"name", "args"}`` with the arguments that matter);
  they give the trajectory match metrics (agentevals, every mode) and the tools a scenario needs: a scenario that
  needs a tool the conversation does not have is skipped and reported as such.
- ``end_state``: what the conversation must leave behind. The state is one JSON document (``end_state``): ``last``
  (each tool's latest artifact from the thread's checkpoint), ``all`` (every artifact of each tool, in order),
  ``calls`` (each tool's call arguments, in order), ``answers`` (the answer the creator read at each turn, "" for
  a turn without one, clipped: a question about a result is answered without a tool), ``db`` (the rows of each declared SQL query, run with
  ``creator_id`` and ``thread_id`` as parameters: what side-effect tools stored), ``creator_id``, ``thread_id``.
  Each check is a JMESPath expression (https://jmespath.org) over it that must evaluate to true.

A trial passes when every check holds. Each scenario runs ``k`` trials, each on a fresh thread (the creator id is
fixed per scenario, ``eval:<scenario id>``, so a setup import is reused); pass^k as in ``evals.evaluators``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool

from agent.turns import Stream, run_config, run_turn
from evals.evaluators import (
    grounded_judge,
    mean_with_interval,
    pass_k_metrics,
    reference_trajectory,
    trajectory_match,
    wilson,
)
from tools.base import CortexContext

MAX_RESUMES_PER_TURN = 5
"""Approval interrupts answered in one turn before the runner gives up on it (a graph that keeps asking)."""
TRACE_CHARS = 600
"""Characters kept of each message and trace event in a failure's trace."""
ANSWER_CHARS = 4000
"""Characters kept of each final answer (for pairwise comparison of runs)."""

WAIT = "wait"
"""A turn's ``resume`` that leaves its approval waiting for the next message (a typed "yes" or "no")."""

Progress = Callable[[str, int, int], None]


class DatasetError(ValueError):
    """A dataset line that cannot be used; the message names the case and what to fix."""


def compose_message(text: str, attachments: Sequence[str], data_dir: Path) -> str:
    """The message as the CLI (``--file``) and the chat UI send it: the text, then ``[Attached file: NAME]`` and the
    file's text per attachment (paths relative to ``data_dir``). Raises DatasetError for a missing file."""
    parts = [text]
    for rel in attachments:
        path = Path(data_dir) / rel
        if not path.is_file():
            raise DatasetError(f"Attachment {rel!r} is not a file under the data folder {data_dir} (CORTEX_DATA_DIR).")
        parts.append(f"\n\n[Attached file: {path.name}]\n{path.read_text(encoding='utf-8', errors='replace')}")
    return "".join(parts)


def _call(spec: Any, where: str) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"name": spec, "args": {}}
    if isinstance(spec, dict) and isinstance(spec.get("name"), str) and isinstance(spec.get("args", {}), dict):
        return {"name": spec["name"], "args": spec.get("args", {})}
    raise DatasetError(f"{where}: a tool call is a name or {{\"name\": ..., \"args\": {{...}}}}, got {spec!r}.")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module docstring for the fields)."""

    id: str
    turns: tuple[dict[str, Any], ...]
    calls: tuple[tuple[dict[str, Any], ...], ...]
    checks: tuple[dict[str, str], ...]
    queries: dict[str, str] = field(default_factory=dict)
    setup: tuple[dict[str, Any], ...] = ()
    description: str = ""

    @classmethod
    def from_case(cls, case: dict[str, Any]) -> Scenario:
        """Validate one dataset line. Raises DatasetError naming the scenario and what to fix."""
        sid = case.get("id", "?")
        inputs, ref = case.get("inputs", {}), case.get("reference_outputs", {})
        turns = inputs.get("turns")
        if not isinstance(turns, list) or not turns or not all(isinstance(t, dict) and "message" in t for t in turns):
            raise DatasetError(f"{sid}: inputs.turns must be a non-empty list of {{\"message\": ...}}.")
        tools = ref.get("tools")
        if not isinstance(tools, list) or len(tools) != len(turns):
            raise DatasetError(f"{sid}: reference_outputs.tools needs one list of calls per turn ({len(turns)}).")
        calls = tuple(tuple(_call(c, f"{sid} turn {i + 1}") for c in per_turn) for i, per_turn in enumerate(tools))
        end = ref.get("end_state", {})
        checks = end.get("checks")
        if not isinstance(checks, list) or not checks:
            raise DatasetError(f"{sid}: reference_outputs.end_state.checks must list at least one check.")
        for check in checks:
            try:
                jmespath.compile(check["expr"])
            except (KeyError, TypeError, JMESPathError) as exc:
                raise DatasetError(f"{sid}: check {check!r} needs a valid JMESPath 'expr' ({exc}).") from exc
        for step in inputs.get("setup", []):
            if set(step) != {"import_analytics"}:
                raise DatasetError(f"{sid}: unknown setup step {step!r}; the one known step is import_analytics.")
        return cls(sid, tuple(turns), calls, tuple(checks), dict(end.get("queries", {})), tuple(inputs.get("setup", [])),
                   case.get("metadata", {}).get("description", ""))

    @property
    def required_tools(self) -> set[str]:
        """Every tool the scenario expects to be called."""
        return {c["name"] for per_turn in self.calls for c in per_turn}


# --- running a conversation ------------------------------------------------------------------------------------------


@dataclass
class Conversation:
    """What one trial left behind: the thread's messages, the trace events and approval interrupts of each turn."""

    thread_id: str
    creator_id: str
    messages: list[BaseMessage] = field(default_factory=list)
    events: list[list[dict[str, Any]]] = field(default_factory=list)
    interrupts: list[list[dict[str, Any]]] = field(default_factory=list)


async def run_turns(graph: CompiledStateGraph, conv: Conversation, messages: Sequence[str], resumes: Sequence[Any],
                    engine: str | None) -> None:
    """Send ``messages`` one by one on ``conv``'s thread through the turn runner the chat, the API and the CLI use
    (``agent.turns.run_turn``); answer each approval interrupt of turn i with ``resumes[i]``. Fills ``conv`` (events,
    interrupts, and the checkpointed messages, also when a turn raises: the exception propagates); a turn whose resume
    is ``WAIT`` ends waiting for its approval. A turn whose graph asks for approval more than ``MAX_RESUMES_PER_TURN``
    times raises RuntimeError."""
    config = run_config(conv.thread_id, conv.creator_id)
    context = CortexContext(creator_id=conv.creator_id, engine=engine)
    try:
        for text, resume in zip(messages, resumes):
            events: list[dict[str, Any]] = []
            asked: list[dict[str, Any]] = []
            conv.events.append(events)
            conv.interrupts.append(asked)

            async def record(stream: Stream, events: list[dict[str, Any]] = events) -> None:
                async for _, chunk in stream:
                    events.append({"name": chunk.get("name"), "data": chunk.get("data")})

            async def answer(request: Any, asked: list[dict[str, Any]] = asked, resume: Any = resume) -> Any:
                if len(asked) == MAX_RESUMES_PER_TURN:
                    raise RuntimeError(f"the graph asked for approval more than {MAX_RESUMES_PER_TURN} times in one turn")
                asked.append({"value": _jsonable([request]), "resume": resume})
                return resume

            result = await run_turn(graph, {"messages": [HumanMessage(text)]}, config, context, on_stream=record,
                                    stream_modes=["custom"], stopped="the eval run was cancelled",
                                    on_approval=None if resume == WAIT else answer)
            if result.approval is not None:
                asked.append({"value": _jsonable([result.approval]), "resume": WAIT})
    finally:
        state = await graph.aget_state(config)
        conv.messages = list(state.values.get("messages", []))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


async def end_state(conv: Conversation, pool: AsyncConnectionPool, queries: dict[str, str]) -> dict[str, Any]:
    """The JSON document the checks read (module docstring): artifacts and calls from the checkpointed messages, and
    the rows of each declared query with ``creator_id`` and ``thread_id`` bound."""
    all_artifacts: dict[str, list[Any]] = {}
    calls: dict[str, list[dict]] = {}
    for m in conv.messages:
        if isinstance(m, AIMessage):
            for c in m.tool_calls:
                calls.setdefault(c["name"], []).append(c["args"])
        elif isinstance(m, ToolMessage) and m.artifact is not None and m.status != "error":
            all_artifacts.setdefault(m.name or "?", []).append(m.artifact)
    db: dict[str, list[dict]] = {}
    params = {"creator_id": conv.creator_id, "thread_id": conv.thread_id}
    for name, sql in queries.items():
        async with pool.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION READ ONLY")  # a dataset's query reads, it never changes the state
            cur = await conn.execute(sql, params)
            db[name] = await cur.fetchall()
    answers = _answers(conv.messages)
    doc = {"last": {k: v[-1] for k, v in all_artifacts.items()}, "all": all_artifacts, "calls": calls, "db": db,
           "answers": answers,
           "creator_id": conv.creator_id, "thread_id": conv.thread_id}
    return _jsonable(doc)


def grade(checks: Sequence[dict[str, str]], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each check with ``passed`` (its expression is true on ``doc``) and ``value`` (what it evaluated to, or the
    error of an expression that could not be evaluated, e.g. min() of nothing, contains() of null)."""
    graded = []
    for check in checks:
        try:
            value = jmespath.search(check["expr"], doc)
        except (JMESPathError, TypeError) as exc:  # jmespath's contains() raises TypeError on a null argument
            value = f"error: {exc}"
        graded.append({"name": check.get("name", check["expr"]), "expr": check["expr"], "passed": value is True,
                       "value": value})
    return graded


def tools_per_turn(messages: Sequence[BaseMessage]) -> list[list[str]]:
    """The names of the tools called in each turn (a turn starts at each human message)."""
    turns: list[list[str]] = []
    for m in messages:
        if isinstance(m, HumanMessage):
            turns.append([])
        elif isinstance(m, AIMessage) and turns:
            turns[-1].extend(c["name"] for c in m.tool_calls)
    return turns


def _clip(text: Any, n: int = TRACE_CHARS) -> str:
    s = text if isinstance(text, str) else json.dumps(text, default=str)
    return s if len(s) <= n else s[: n - 1] + "…"


def conversation_trace(conv: Conversation) -> list[dict[str, Any]]:
    """A readable trace of a trial: each message (role, text, tool calls) with the turn's trace events and approval
    interrupts after its human message; long texts are cut to ``TRACE_CHARS``."""
    out: list[dict[str, Any]] = []
    turn = -1
    for m in conv.messages:
        if isinstance(m, HumanMessage):
            turn += 1
            out.append({"role": "user", "content": _clip(m.content)})
            if turn < len(conv.events):
                out += [{"role": "trace", "name": e["name"], "data": _clip(e["data"])} for e in conv.events[turn]]
                out += [{"role": "interrupt", "value": _clip(i["value"]), "resume": i["resume"]}
                        for i in conv.interrupts[turn]]
        elif isinstance(m, AIMessage):
            entry: dict[str, Any] = {"role": "assistant", "content": _clip(m.content)}
            if m.tool_calls:
                entry["tool_calls"] = [{"name": c["name"], "args": _jsonable(c["args"])} for c in m.tool_calls]
            out.append(entry)
        elif isinstance(m, ToolMessage):
            out.append({"role": "tool", "name": m.name, "status": m.status, "content": _clip(m.content)})
    return out


def _answers(messages: Sequence[BaseMessage]) -> list[str]:
    """The last assistant text of each turn."""
    answers: list[str] = []
    for m in messages:
        if isinstance(m, HumanMessage):
            answers.append("")
        elif isinstance(m, AIMessage) and not m.tool_calls and answers:
            answers[-1] = str(m.content)[:ANSWER_CHARS]
    return answers


def _conversation_text(messages: Sequence[BaseMessage]) -> str:
    lines = []
    for m in messages:
        role = {"human": "creator", "ai": "assistant", "tool": f"tool {getattr(m, 'name', '')}"}.get(m.type, m.type)
        body = str(m.content) or json.dumps([{"call": c["name"], "args": c["args"]} for c in getattr(m, "tool_calls", [])],
                                            default=str)
        lines.append(f"[{role}] {body[:3000]}")
    return "\n\n".join(lines)


# --- the suite ---------------------------------------------------------------------------------------------------


async def run_setup(steps: Sequence[dict[str, Any]], pool: AsyncConnectionPool, creator_id: str, data_dir: Path) -> None:
    """Do a scenario's setup for its creator (``import_analytics``: import a Studio export, idempotent)."""
    from tools.analytics.sources import import_studio_export

    for step in steps:
        spec = step["import_analytics"]
        await import_studio_export(pool, Path(data_dir) / spec["file"], creator_id, spec["channel"])


async def run_trajectory_suite(
    cases: Sequence[dict[str, Any]],
    *,
    graph: CompiledStateGraph,
    pool: AsyncConnectionPool,
    data_dir: Path,
    tool_names: Sequence[str],
    engine: str | None,
    k: int = 1,
    judge: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every scenario ``k`` times on ``graph`` (compiled with a checkpointer) and grade each trial's end state.

    ``judge``: an LLM (``evals.evaluators.judge_model``) to grade each trial's last answer for grounding, or None.
    Returns ``{"metrics", "k", "cases": [per scenario: trials with passed / checks / tools / trajectory match / answers /
    approvals (per turn: the actions asked for and the answer given)],
    "failures": [failed trials with their checks and trace], "skipped": [{"id", "reason"}]}``. Raises DatasetError
    for an invalid scenario.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1 (trials per scenario), got {k}.")
    scenarios = [Scenario.from_case(c) for c in cases]
    registered = set(tool_names)
    runnable, skipped = [], []
    for s in scenarios:
        missing = sorted(s.required_tools - registered)
        if missing:
            skipped.append({"id": s.id, "reason": f"tool(s) not registered: {', '.join(missing)}"})
        else:
            runnable.append(s)
    grounded = grounded_judge(judge) if judge is not None else None
    results, failures = [], []
    total, done = len(runnable) * k, 0
    for s in runnable:
        creator = f"eval:{s.id}"
        await run_setup(s.setup, pool, creator, data_dir)
        texts = [compose_message(t["message"], t.get("attachments", []), data_dir) for t in s.turns]
        trials = []
        for trial in range(k):
            record, conv = await run_trial(s, trial, texts, graph=graph, pool=pool, creator_id=creator,
                                           tool_names=tool_names, engine=engine, grounded=grounded)
            trials.append(record)
            if not record["passed"]:
                failures.append({"id": s.id, "trial": trial, "thread_id": conv.thread_id, "description": s.description,
                                 "error": record.get("error"),
                                 "failed_checks": [c for c in record["checks"] if not c["passed"]],
                                 "expected_tools": [[c["name"] for c in t] for t in s.calls], "tools": record["tools"],
                                 "trace": conversation_trace(conv)})
            done += 1
            if progress:
                progress("trajectories", done, total)
        results.append({"id": s.id, "description": s.description, "inputs": {"turns": list(s.turns)},
                        "expected_tools": [[c["name"] for c in t] for t in s.calls], "trials": trials})
    return {"metrics": trajectory_metrics(results), "k": k, "cases": results, "failures": failures, "skipped": skipped}


async def run_trial(s: Scenario, trial: int, texts: Sequence[str], *, graph: CompiledStateGraph,
                    pool: AsyncConnectionPool, creator_id: str, tool_names: Sequence[str], engine: str | None,
                    grounded: Any = None) -> tuple[dict[str, Any], Conversation]:
    """One trial of a scenario on a new thread, graded: ``({"trial", "thread_id", "passed", "checks", "tools",
    "match", "answers", "approvals", "error"?, "judge_grounded"?}, the conversation)``. A trial whose run raised (a
    provider error, a graph that rejects the resume value) fails with the error and still has its end state graded."""
    conv = Conversation(thread_id=str(uuid.uuid4()), creator_id=creator_id)
    error = None
    try:
        await run_turns(graph, conv, texts, [t.get("resume", "approve") for t in s.turns], engine)
    except Exception as exc:  # the trial fails; the report says why and the other trials run
        error = f"{type(exc).__name__}: {exc}"
    checks = grade(s.checks, await end_state(conv, pool, s.queries))
    record: dict[str, Any] = {
        "trial": trial,
        "thread_id": conv.thread_id,
        "passed": error is None and all(c["passed"] for c in checks),
        "checks": checks,
        "tools": tools_per_turn(conv.messages),
        "match": trajectory_match(conv.messages, reference_trajectory(texts, s.calls), tool_names),
        "answers": _answers(conv.messages),
        "approvals": [[{"actions": [a.get("name") for v in i["value"] for a in (v or {}).get("action_requests", [])],
                        "resume": i["resume"]} for i in turn] for turn in conv.interrupts],
    }
    if error:
        record["error"] = error
    if grounded is not None and error is None:
        try:
            verdict = await grounded(outputs=_conversation_text(conv.messages))
            record["judge_grounded"] = {"score": bool(verdict["score"]), "comment": verdict.get("comment")}
        except Exception as exc:  # a judge that fails leaves this trial unjudged, said in the report
            record["judge_grounded"] = {"score": None, "comment": f"the judge failed: {type(exc).__name__}: {exc}"}
    return record, conv


def trajectory_metrics(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """pass^1..pass^k over scenarios; per trajectory match (``evals.evaluators.trajectory_match``), the mean share
    of trials that match the reference; the share of end-state checks that hold; the judge's grounded rate when a judge ran."""
    if not results:
        return {}
    metrics: dict[str, Any] = dict(pass_k_metrics([[t["passed"] for t in r["trials"]] for r in results]))
    for mode in results[0]["trials"][0]["match"]:
        metrics[f"trajectory_{mode}_match"] = mean_with_interval(
            [sum(t["match"][mode] for t in r["trials"]) / len(r["trials"]) for r in results])
    checks = [c["passed"] for r in results for t in r["trials"] for c in t["checks"]]
    metrics["checks_passed"] = wilson(sum(checks), len(checks))
    judged = [t["judge_grounded"]["score"] for r in results for t in r["trials"]
              if t.get("judge_grounded", {}).get("score") is not None]
    if judged:
        metrics["judge_grounded"] = wilson(sum(judged), len(judged))
    return metrics
