"""The agent over HTTP: the LangGraph Platform threads/runs API, so ``langgraph_sdk.get_client(url=...)`` and the
LangGraph JS ``useStream`` hook work against this service unchanged.

Routes (JSON; the OpenAPI page is /docs):

- ``POST /threads`` (``thread_id``, ``metadata``, ``if_exists``), ``POST /threads/search``, ``GET|PATCH|DELETE
  /threads/{id}``;
- ``GET /threads/{id}/state``, ``GET /threads/{id}/state/{checkpoint_id}``, ``GET|POST /threads/{id}/history``;
- ``POST /threads/{id}/runs/stream``: server-sent events named as LangGraph names them: ``metadata`` (the run
  id), then per ``stream_mode`` ``values``, ``updates``, ``messages`` (``messages-tuple``: [message chunk,
  metadata]), ``messages/metadata`` + ``messages/partial`` + ``messages/complete`` (``messages``), ``custom``
  (the trace events tools emit), and last ``end`` ({run_id, status}) or ``error`` ({error, message});
- ``POST /threads/{id}/runs/wait``: the thread's values when the run stops (with ``__interrupt__`` when it waits
  for approval; ``{"__error__": {error, message}}`` when it failed);
- a run resumes an interrupt with ``command: {"resume": ...}`` (``graphs.conversation.read_decisions``);
- ``GET /assistants/{id}``, ``POST /assistants/search``: the one assistant.

Assistant ids: ``creator_cortex`` (the graph's name in langgraph.json), ``agent`` (the SDK examples' default) and
``ASSISTANT_ID`` all name the same conversation graph; any other id gets 404.

Auth: every route needs an API key (``x-api-key``, as the SDK sends ``api_key``, or ``Authorization: Bearer``):
401 without a valid one. Threads belong to the key's creator; another creator's thread is 404, as a missing one.

Runs: one at a time per thread (LangGraph's multitask strategy "reject": 409 while one runs), in this process
(the API keeps runs in memory: serve it from one process). A streamed run whose client disconnects is cancelled
(``CORTEX_API_ON_DISCONNECT``, or the run's ``on_disconnect``: "continue" lets it finish) and its thread closed
(``close_unfinished_turn``); steps are checkpointed with durability "sync", so every completed step is kept.
Not served: stateless runs (``/runs/...``), background runs, crons, the store, ``stream_subgraphs`` and resumable
streams.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import openai
import orjson
import psycopg
import psycopg_pool
from fastapi import APIRouter, Depends, HTTPException, Query, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from langchain_core.messages import BaseMessage, BaseMessageChunk, convert_to_messages, message_chunk_to_message
from langgraph.errors import GraphRecursionError
from langgraph.types import Command, Interrupt, StateSnapshot
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sse_starlette import EventSourceResponse, ServerSentEvent

from agent import auth
from agent.settings import get_settings
from graphs.conversation import DURABILITY, NEW_MESSAGE, close_unfinished_turn, persistent_graph, read_decisions, run_config
from tools.base import CortexContext
from memory.db import get_database

log = logging.getLogger("cortex.api")

GRAPH_ID = "creator_cortex"
ASSISTANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://creator-cortex/assistants/creator_cortex"))
ASSISTANT_NAMES = frozenset({GRAPH_ID, "agent", ASSISTANT_ID})
NODES = ("model", "approve", "tools", "answer")
MAX_RECURSION_LIMIT = 100
StreamModeName = Literal["values", "updates", "messages", "messages-tuple", "custom"]
STOPPED = "the client disconnected"

router = APIRouter()
_api_key = APIKeyHeader(name="x-api-key", auto_error=False, description="An API key (`cortex keys create`).")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


# --- JSON --------------------------------------------------------------------------------------------------------


def _default(obj: Any) -> Any:
    """orjson fallback: messages and other pydantic models as their dict, interrupts as {value, id}, dataclasses
    field by field, exceptions as {error, message}, anything else as its text."""
    if isinstance(obj, Interrupt):
        out = {"value": obj.value, "id": obj.id}
        return out | ({"response_schema": obj.response_schema} if isinstance(obj.response_schema, dict) else {})
    if isinstance(obj, BaseModel):
        return obj.model_dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, BaseException):
        return {"error": type(obj).__name__, "message": str(obj)}
    return str(obj)


def dumps(obj: Any) -> bytes:
    """JSON bytes of API data (graph state, messages, interrupts) in LangGraph's shapes."""
    return orjson.dumps(obj, default=_default,
                        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATACLASS)


def _json(obj: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(obj), status_code=status_code, media_type="application/json", headers=headers)


def _checkpoint(config: dict | None) -> dict | None:
    if not config:
        return None
    c = config.get("configurable", {})
    return {"thread_id": c.get("thread_id"), "checkpoint_ns": c.get("checkpoint_ns", ""),
            "checkpoint_id": c.get("checkpoint_id"), "checkpoint_map": c.get("checkpoint_map")}


def _task_error(error: Exception | str | None) -> str | None:
    """A failed task's error as text: JSON of {error, message} for an exception (what useStream parses), or the
    checkpoint's own text of it."""
    if isinstance(error, Exception):
        return json.dumps({"error": type(error).__name__, "message": str(error)})
    return error


def state_json(state: StateSnapshot) -> dict:
    """A StateSnapshot as LangGraph's ThreadState: values, next, checkpoint, metadata, created_at,
    parent_checkpoint, tasks (id, name, error, interrupts) and interrupts."""
    return {
        "values": state.values,
        "next": list(state.next),
        "checkpoint": _checkpoint(state.config),
        "metadata": state.metadata,
        "created_at": state.created_at,
        "parent_checkpoint": _checkpoint(state.parent_config),
        "tasks": [{"id": t.id, "name": t.name, "error": _task_error(t.error), "interrupts": list(t.interrupts),
                   "checkpoint": None, "state": None, "result": t.result} for t in state.tasks],
        "interrupts": list(state.interrupts),
    }


def thread_status(state: StateSnapshot, busy: bool) -> str:
    """LangGraph's thread status: busy (a run is in progress), interrupted (waiting for an answer), error (the
    last run failed in a step), else idle."""
    if busy:
        return "busy"
    if state.interrupts:
        return "interrupted"
    return "error" if any(t.error for t in state.tasks) else "idle"


# --- auth and ownership ------------------------------------------------------------------------------------------


async def current_creator(
    api_key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    """The creator id of the request's API key; 401 without a valid key."""
    key = api_key or (bearer.credentials if bearer else None)
    if not key:
        raise HTTPException(401, "Send an API key in the x-api-key header (create one with `cortex keys create "
                                 "--creator NAME`).", headers={"WWW-Authenticate": "Bearer"})
    db = await get_database()
    creator = await auth.creator_for_key(db.pool, key)
    if creator is None:
        raise HTTPException(401, "Unknown or revoked API key: create one with `cortex keys create --creator NAME`.",
                            headers={"WWW-Authenticate": "Bearer"})
    return creator


Creator = Annotated[str, Depends(current_creator)]


async def _owned(thread_id: str, creator: str) -> auth.OwnedThread:
    db = await get_database()
    owned = await auth.owned_thread(db.pool, thread_id, creator)
    if owned is None:
        raise HTTPException(404, f"Thread {thread_id} not found.")
    return owned


def _assistant(assistant_id: str) -> None:
    if assistant_id not in ASSISTANT_NAMES:
        raise HTTPException(404, f"Assistant {assistant_id!r} not found: use {GRAPH_ID!r} (or 'agent').")


async def _thread_json(owned: auth.OwnedThread) -> dict:
    graph = await persistent_graph()
    state = await graph.aget_state({"configurable": {"thread_id": owned.thread_id}})
    return {
        "thread_id": owned.thread_id,
        "created_at": owned.created_at,
        "updated_at": owned.updated_at,
        "metadata": {**owned.metadata, "creator_id": owned.creator_id},
        "status": thread_status(state, RUNS.busy(owned.thread_id)),
        "values": state.values,
        "interrupts": {t.id: list(t.interrupts) for t in state.tasks if t.interrupts},
    }


# --- runs --------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """A run in progress: its events for the client (None ends them) and the task that runs the graph.
    ``listening`` turns False when the client went away (events are then dropped)."""

    run_id: str
    thread_id: str
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    task: asyncio.Task | None = None
    listening: bool = True

    def put(self, event: str, data: Any) -> None:
        """Queue one event for the client, unless it went away."""
        if self.listening:
            self.events.put_nowait((event, data))


class RunManager:
    """The runs in progress in this process, at most one per thread (LangGraph's multitask strategy "reject")."""

    def __init__(self) -> None:
        self._runs: dict[str, Run] = {}

    def busy(self, thread_id: str) -> bool:
        """Whether a run is in progress on the thread."""
        return thread_id in self._runs

    def start(self, thread_id: str, run_id: str, work: Callable[[Run], Any]) -> Run:
        """Start ``work(run)`` as a task; 409 while the thread has a run in progress."""
        if thread_id in self._runs:
            raise HTTPException(409, f"Thread {thread_id} is already running a task: wait for it to finish "
                                     "(only multitask_strategy 'reject' is served).")
        run = Run(run_id, thread_id)
        self._runs[thread_id] = run
        run.task = asyncio.create_task(work(run), name=f"run {run.run_id}")
        run.task.add_done_callback(lambda _: self._runs.pop(thread_id, None))
        return run

    async def shutdown(self) -> None:
        """Cancel the runs in progress (each closes its thread) and wait for them."""
        tasks = [r.task for r in self._runs.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


RUNS = RunManager()


def explain(exc: BaseException, run_id: str) -> str:
    """What went wrong in a run, in words a person can act on."""
    if isinstance(exc, GraphRecursionError):
        return ("The run went past its step limit without an answer: ask something narrower, or raise "
                f"config.recursion_limit (at most {MAX_RECURSION_LIMIT}).")
    if isinstance(exc, openai.AuthenticationError):
        return "The LLM provider rejected the API key: check OPENROUTER_API_KEY or OPENAI_API_KEY on the server."
    if isinstance(exc, openai.RateLimitError):
        return "The LLM provider's rate limit was reached: retry in a minute, or use context.engine 'offline'."
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return "The LLM provider did not answer in time: retry, or use context.engine 'offline'."
    if isinstance(exc, (psycopg.OperationalError, psycopg_pool.PoolTimeout)):
        return ("The database did not answer: retry in a moment; if it goes on, check the service's Postgres "
                "(DATABASE_URL or the embedded server).")
    if isinstance(exc, ValueError):
        return str(exc)
    return f"The run failed ({type(exc).__name__}: {exc}). Retry; if it fails again, report run {run_id}."


class Translator:
    """Graph stream items -> LangGraph API events for the client's stream modes (the Python langgraph-api's
    mapping: lib "messages" feeds both messages-tuple and the messages/partial|complete events)."""

    def __init__(self, modes: set[str]) -> None:
        self.modes = modes
        self.partial: dict[str, BaseMessage] = {}

    @staticmethod
    def graph_modes(modes: set[str]) -> list[str]:
        """The graph's stream modes that serve the client's ``modes``."""
        lib = {"messages" if m in ("messages", "messages-tuple") else m for m in modes}
        return sorted(lib)

    def __call__(self, mode: str, chunk: Any) -> Iterator[tuple[str, Any]]:
        if mode != "messages":
            yield mode, chunk
            return
        message, metadata = chunk
        if "messages-tuple" in self.modes:
            yield "messages", [message, metadata]
        if "messages" in self.modes:
            if message.id in self.partial:
                self.partial[message.id] += message
            else:
                self.partial[message.id] = message
                yield "messages/metadata", {message.id: {"metadata": metadata}}
            done = not isinstance(message, BaseMessageChunk)
            yield ("messages/complete" if done else "messages/partial"), [message_chunk_to_message(self.partial[message.id])]


# --- request bodies ----------------------------------------------------------------------------------------------


class ThreadCreate(BaseModel):
    """POST /threads. Unknown fields (ttl, supersteps) are not served and ignored."""

    model_config = ConfigDict(extra="ignore")
    thread_id: uuid.UUID | None = Field(None, description="The id to create (a UUID); default a new one.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = Field("raise", description="do_nothing: return your existing thread.")


class ThreadPatch(BaseModel):
    """PATCH /threads/{id}: metadata merged into the thread's."""

    metadata: dict[str, Any] = Field(default_factory=dict)


class ThreadSearch(BaseModel):
    """POST /threads/search: your threads, filtered by metadata (containment) and ids."""

    model_config = ConfigDict(extra="ignore")
    metadata: dict[str, Any] = Field(default_factory=dict)
    ids: list[str] | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: int = Field(10, ge=1, le=1000)
    offset: int = Field(0, ge=0)
    sort_by: Literal["thread_id", "created_at", "updated_at"] = "updated_at"
    sort_order: Literal["asc", "desc"] = "desc"


class HistoryQuery(BaseModel):
    """POST /threads/{id}/history: checkpoints newest first."""

    model_config = ConfigDict(extra="ignore")
    limit: int = Field(10, ge=1, le=1000)
    before: str | dict[str, Any] | None = Field(None, description="A checkpoint id, or a checkpoint object.")
    metadata: dict[str, Any] | None = Field(None, description="Only checkpoints whose metadata has these values.")


class CommandIn(BaseModel):
    """A run's command: ``resume`` answers the thread's interrupt (an approval request)."""

    model_config = ConfigDict(extra="forbid")
    resume: Any = None
    update: dict[str, Any] | None = None
    goto: str | list[str] | None = None


class RunCreate(BaseModel):
    """POST /threads/{id}/runs/stream and /runs/wait (LangGraph's RunCreate; the fields listed are served)."""

    model_config = ConfigDict(extra="ignore")
    assistant_id: str = Field(GRAPH_ID, description="creator_cortex, or agent")
    input: dict[str, Any] | None = Field(None, description='{"messages": [{"role": "user", "content": "..."}]}')
    command: CommandIn | None = Field(None, description='{"resume": "approve"} answers an approval request')
    stream_mode: StreamModeName | list[StreamModeName] = "values"
    config: dict[str, Any] | None = Field(None, description="configurable, tags, recursion_limit")
    context: dict[str, Any] | None = Field(None, description='{"engine": "offline" | "llm"}')
    metadata: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = Field(None, description="Run from this checkpoint of the thread (a fork).")
    checkpoint_id: str | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    on_disconnect: Literal["cancel", "continue"] | None = Field(None, description="Default CORTEX_API_ON_DISCONNECT.")
    multitask_strategy: Literal["reject"] | None = None
    if_not_exists: Literal["create", "reject"] | None = None
    durability: Literal["sync", "async", "exit"] | None = Field(None, description=f"Default {DURABILITY!r}.")
    stream_subgraphs: bool = False
    stream_resumable: bool = False

    @model_validator(mode="after")
    def _check(self) -> RunCreate:
        if self.input is not None and self.command is not None:
            raise ValueError("send input or command, not both")
        if self.stream_subgraphs or self.stream_resumable:
            raise ValueError("stream_subgraphs and stream_resumable are not served: leave them false")
        for name in ("interrupt_before", "interrupt_after"):
            nodes = getattr(self, name)
            if isinstance(nodes, list) and (unknown := set(nodes) - set(NODES)):
                raise ValueError(f"{name}: unknown node(s) {sorted(unknown)}; the graph's nodes are {list(NODES)}")
        if self.input is not None:
            if set(self.input) - {"messages"}:
                raise ValueError('input takes messages only: {"messages": [{"role": "user", "content": "..."}]}')
            try:
                convert_to_messages(self.input.get("messages", []))
            except (ValueError, NotImplementedError, TypeError, KeyError) as exc:
                raise ValueError(f"input.messages: {exc}") from None
        engine = (self.context or {}).get("engine")
        if set(self.context or {}) - {"engine"}:
            raise ValueError("context takes engine only (the creator comes from your API key)")
        if engine not in (None, "auto", "offline", "llm"):
            raise ValueError(f"context.engine {engine!r}: use 'offline', 'llm' or 'auto'")
        if engine == "llm" and not get_settings().llm_configured:
            raise ValueError("context.engine 'llm' needs OPENROUTER_API_KEY or OPENAI_API_KEY on the server; use 'offline'")
        return self

    @property
    def modes(self) -> set[str]:
        """The client's stream modes."""
        return {self.stream_mode} if isinstance(self.stream_mode, str) else set(self.stream_mode) or {"values"}


# --- running -----------------------------------------------------------------------------------------------------


async def _run_config(body: RunCreate, thread_id: str, creator: str, run_id: str, graph: Any) -> dict:
    """The run's RunnableConfig: ``run_config`` plus the client's configurable (reserved keys dropped), tags,
    recursion limit (at most MAX_RECURSION_LIMIT), metadata, and the checkpoint to fork from (404 if unknown;
    ignored when it is the thread's head)."""
    config = run_config(thread_id, creator)
    client = body.config or {}
    configurable = {k: v for k, v in (client.get("configurable") or {}).items()
                    if not k.startswith("__") and k not in ("thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map")}
    config["configurable"] = {**configurable, **config["configurable"]}
    if isinstance(client.get("tags"), list):
        config["tags"] = [str(t) for t in client["tags"]]
    if isinstance(client.get("recursion_limit"), int):
        config["recursion_limit"] = max(1, min(client["recursion_limit"], MAX_RECURSION_LIMIT))
    config["metadata"] = {**(body.metadata or {}), **config["metadata"], "run_id": run_id, "thread_id": thread_id,
                          "assistant_id": ASSISTANT_ID, "graph_id": GRAPH_ID}
    config["run_id"] = uuid.UUID(run_id)
    checkpoint_id = body.checkpoint_id or (body.checkpoint or {}).get("checkpoint_id")
    if checkpoint_id:
        head = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        if checkpoint_id != (head.config or {}).get("configurable", {}).get("checkpoint_id"):
            forked = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
            if await graph.checkpointer.aget_tuple(forked) is None:
                raise HTTPException(404, f"Checkpoint {checkpoint_id} not found in thread {thread_id}.")
            config["configurable"]["checkpoint_id"] = checkpoint_id
    return config


async def _graph_input(body: RunCreate, graph: Any, config: dict) -> Any:
    """The graph's input: the client's input, or its command (a resume is checked against the thread's pending
    approval request: 409 when nothing waits, 422 when it is not an answer to it)."""
    if body.command is None:
        return body.input
    command = body.command
    if "resume" in command.model_fields_set:
        state = await graph.aget_state(config)
        if not state.interrupts:
            raise HTTPException(409, "Nothing to resume: this thread is not waiting for an answer.")
        request = state.interrupts[0].value
        try:
            read_decisions(command.resume, len(request.get("action_requests", [])))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    return Command(resume=command.resume if "resume" in command.model_fields_set else None,
                   update=command.update, goto=command.goto or ())


async def _start(thread_id: str, body: RunCreate, creator: str, modes: set[str]) -> Run:
    """Check the request, then start the run as a task: 404 for a thread that is not yours (created first with
    ``if_not_exists: "create"``), 409 while it runs."""
    _assistant(body.assistant_id)
    db = await get_database()
    if body.if_not_exists == "create" and not await auth.owned_thread(db.pool, thread_id, creator):
        await _create(thread_id, creator, {})
    await _owned(thread_id, creator)
    graph = await persistent_graph()
    run_id = str(uuid.uuid4())
    config = await _run_config(body, thread_id, creator, run_id, graph)
    payload = await _graph_input(body, graph, config)
    context = CortexContext(creator_id=creator, engine=(body.context or {}).get("engine"))
    translate = Translator(modes)

    # closing a turn writes a checkpoint; one carrying this run's id in its metadata would make LangGraph take the
    # run for a re-entry (a resume) and drop its input
    plain = run_config(thread_id, creator)

    async def work(run: Run) -> None:
        run.put("metadata", {"run_id": run.run_id, "attempt": 1})
        await auth.update_thread(db.pool, thread_id, {"graph_id": GRAPH_ID, "assistant_id": ASSISTANT_ID})
        try:
            if body.input is not None and "checkpoint_id" not in config["configurable"]:
                await close_unfinished_turn(graph, plain, NEW_MESSAGE)
            async for mode, chunk in graph.astream(
                payload, config, context=context, stream_mode=Translator.graph_modes(modes),
                durability=body.durability or DURABILITY,
                interrupt_before=body.interrupt_before, interrupt_after=body.interrupt_after,
            ):
                for event, data in translate(mode, chunk):
                    run.put(event, data)
            run.put("end", {"run_id": run.run_id, "status": "success"})
        except asyncio.CancelledError:
            log.warning("run %s on thread %s cancelled: %s", run.run_id, thread_id, STOPPED)
            await asyncio.shield(close_unfinished_turn(graph, plain, STOPPED))
            raise
        except Exception as exc:
            log.exception("run %s on thread %s failed", run.run_id, thread_id)
            run.put("error", {"error": type(exc).__name__, "message": explain(exc, run.run_id)})
        finally:
            await auth.update_thread(db.pool, thread_id)
            run.events.put_nowait(None)

    return RUNS.start(thread_id, run_id, work)


async def _events(run: Run, on_disconnect: str) -> AsyncIterator[ServerSentEvent]:
    """The run's events as SSE; when the client goes away first, the run is cancelled (``on_disconnect``
    "cancel") or left to finish ("continue")."""
    finished = False
    try:
        while (item := await run.events.get()) is not None:
            event, data = item
            yield ServerSentEvent(dumps(data).decode(), event=event)
        finished = True
    finally:
        if not finished:
            run.listening = False
            if on_disconnect == "cancel" and run.task:
                run.task.cancel()


def _run_headers(run: Run) -> dict[str, str]:
    return {"Content-Location": f"/threads/{run.thread_id}/runs/{run.run_id}"}


# --- routes ------------------------------------------------------------------------------------------------------


async def _create(thread_id: str, creator: str, metadata: dict[str, Any]) -> auth.OwnedThread | None:
    """Claim a new thread id (a UUID, else 422) for the creator: None when the id is taken (by anyone, or by a
    conversation that has checkpoints but no owner, such as one of `cortex ask --thread`)."""
    try:
        uuid.UUID(thread_id)
    except ValueError:
        raise HTTPException(422, f"Thread id {thread_id!r} is not a UUID: LangGraph thread ids are UUIDs.") from None
    db = await get_database()
    if await db.checkpointer.aget_tuple({"configurable": {"thread_id": thread_id}}) is not None \
            and not await auth.thread_has_owner(db.pool, thread_id):
        return None
    return await auth.claim_thread(db.pool, thread_id, creator, metadata)


@router.post("/threads", tags=["threads"])
async def create_thread(body: ThreadCreate, creator: Creator) -> Response:
    """Create a thread owned by your creator id. 409 when the id exists (``if_exists: "do_nothing"`` returns your
    own thread instead)."""
    thread_id = str(body.thread_id or uuid.uuid4())
    db = await get_database()
    owned = await _create(thread_id, creator, body.metadata)
    if owned is None:
        owned = await auth.owned_thread(db.pool, thread_id, creator)
        if owned is None or body.if_exists == "raise":
            raise HTTPException(409, f"Thread {thread_id} already exists.")
    return _json(await _thread_json(owned))


@router.post("/threads/search", tags=["threads"])
async def search_threads(body: ThreadSearch, creator: Creator) -> Response:
    """Your threads, newest update first by default, filtered by metadata (containment), ids and status."""
    db = await get_database()
    found: list[dict] = []
    offset = body.offset
    while len(found) < body.limit:
        page = await auth.creator_threads(db.pool, creator, metadata=body.metadata, ids=body.ids, sort_by=body.sort_by,
                                          descending=body.sort_order == "desc", limit=body.limit, offset=offset)
        for owned in page:
            thread = await _thread_json(owned)
            if body.status in (None, thread["status"]) and len(found) < body.limit:
                found.append(thread)
        if len(page) < body.limit or body.status is None:
            break
        offset += body.limit
    return _json(found)


@router.get("/threads/{thread_id}", tags=["threads"])
async def get_thread(thread_id: str, creator: Creator) -> Response:
    """One of your threads: metadata, status, values and pending interrupts."""
    return _json(await _thread_json(await _owned(thread_id, creator)))


@router.patch("/threads/{thread_id}", tags=["threads"])
async def patch_thread(thread_id: str, body: ThreadPatch, creator: Creator) -> Response:
    """Merge metadata into one of your threads."""
    await _owned(thread_id, creator)
    db = await get_database()
    return _json(await _thread_json(await auth.update_thread(db.pool, thread_id, body.metadata)))


@router.delete("/threads/{thread_id}", status_code=204, tags=["threads"])
async def delete_thread(thread_id: str, creator: Creator) -> Response:
    """Delete one of your threads and its checkpoints (409 while a run is in progress)."""
    await _owned(thread_id, creator)
    if RUNS.busy(thread_id):
        raise HTTPException(409, f"Thread {thread_id} is running a task: wait for it to finish, then delete it.")
    db = await get_database()
    await db.checkpointer.adelete_thread(thread_id)
    await auth.forget_thread(db.pool, thread_id)
    return Response(status_code=204)


@router.get("/threads/{thread_id}/state", tags=["threads"])
async def get_state(thread_id: str, creator: Creator) -> Response:
    """The thread's current state (LangGraph's ThreadState)."""
    await _owned(thread_id, creator)
    graph = await persistent_graph()
    return _json(state_json(await graph.aget_state({"configurable": {"thread_id": thread_id}})))


@router.get("/threads/{thread_id}/state/{checkpoint_id}", tags=["threads"])
async def get_state_at(thread_id: str, checkpoint_id: str, creator: Creator) -> Response:
    """The thread's state at one checkpoint (404 when the thread has no such checkpoint)."""
    await _owned(thread_id, creator)
    graph = await persistent_graph()
    config = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
    if await graph.checkpointer.aget_tuple(config) is None:
        raise HTTPException(404, f"Checkpoint {checkpoint_id} not found in thread {thread_id}.")
    return _json(state_json(await graph.aget_state(config)))


async def _history(thread_id: str, creator: str, query: HistoryQuery) -> Response:
    await _owned(thread_id, creator)
    graph = await persistent_graph()
    before = query.before.get("checkpoint_id") if isinstance(query.before, dict) else query.before
    states = [state_json(s) async for s in graph.aget_state_history(
        {"configurable": {"thread_id": thread_id}}, limit=query.limit, filter=query.metadata,
        before={"configurable": {"thread_id": thread_id, "checkpoint_id": before}} if before else None,
    )]
    return _json(states)


@router.post("/threads/{thread_id}/history", tags=["threads"])
async def post_history(thread_id: str, query: HistoryQuery, creator: Creator) -> Response:
    """The thread's states, newest first (what ``client.threads.get_history`` and useStream read)."""
    return await _history(thread_id, creator, query)


@router.get("/threads/{thread_id}/history", tags=["threads"])
async def get_history(
    thread_id: str, creator: Creator, limit: Annotated[int, Query(ge=1, le=1000)] = 10, before: str | None = None
) -> Response:
    """The thread's states, newest first."""
    return await _history(thread_id, creator, HistoryQuery(limit=limit, before=before))


@router.post("/threads/{thread_id}/runs/stream", tags=["runs"])
async def stream_run(thread_id: str, body: RunCreate, creator: Creator) -> EventSourceResponse:
    """Run the agent on the thread and stream its events (server-sent events; see the module docstring), with a
    heartbeat comment every CORTEX_API_HEARTBEAT_S seconds."""
    settings = get_settings()
    run = await _start(thread_id, body, creator, body.modes)
    return EventSourceResponse(_events(run, body.on_disconnect or settings.api_on_disconnect),
                               ping=settings.api_heartbeat_s, headers=_run_headers(run))


@router.post("/threads/{thread_id}/runs/wait", tags=["runs"])
async def wait_run(thread_id: str, body: RunCreate, creator: Creator) -> Response:
    """Run the agent on the thread and answer with the thread's values when it stops: with ``__interrupt__`` when
    it waits for an approval, ``{"__error__": {error, message}}`` when it failed."""
    run = await _start(thread_id, body, creator, {"values"})
    values: Any = None
    while (item := await run.events.get()) is not None:
        event, data = item
        if event == "values":
            values = data
        elif event == "error":
            return _json({"__error__": data}, headers=_run_headers(run))
    if values is None:
        graph = await persistent_graph()
        values = (await graph.aget_state({"configurable": {"thread_id": thread_id}})).values
    return _json(values, headers=_run_headers(run))


def assistant_json() -> dict:
    """The one assistant, in LangGraph's Assistant shape."""
    return {"assistant_id": ASSISTANT_ID, "graph_id": GRAPH_ID, "name": GRAPH_ID, "config": {}, "context": {},
            "metadata": {"created_by": "system"}, "version": 1, "created_at": "1970-01-01T00:00:00+00:00",
            "updated_at": "1970-01-01T00:00:00+00:00", "description": "Creator Cortex: a strategist for YouTube creators."}


@router.get("/assistants/{assistant_id}", tags=["assistants"])
async def get_assistant(assistant_id: str, creator: Creator) -> Response:
    """The assistant (creator_cortex, agent or its UUID)."""
    _assistant(assistant_id)
    return _json(assistant_json())


@router.post("/assistants/search", tags=["assistants"])
async def search_assistants(creator: Creator) -> Response:
    """The assistants: one."""
    return _json([assistant_json()])
