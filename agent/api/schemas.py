"""The HTTP API's data: LangGraph's JSON shapes (thread states, interrupts, messages, as ``dumps`` writes them), the
request bodies the routes take, and the one assistant's names and shape."""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from typing import Annotated, Any, Literal

import orjson
from langchain_core.messages import convert_to_messages
from langgraph.types import Interrupt, StateSnapshot
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from agent.settings import get_settings
from graphs.conversation import DURABILITY

GRAPH_ID = "creator_cortex"
ASSISTANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://creator-cortex/assistants/creator_cortex"))
ASSISTANT_NAMES = frozenset({GRAPH_ID, "agent", ASSISTANT_ID})
NODES = ("model", "approve", "tools", "answer")
MAX_RECURSION_LIMIT = 100
STREAM_MODES = ("values", "updates", "messages", "messages-tuple", "custom", "debug", "tasks", "checkpoints", "events")
"""The stream modes a run serves: LangGraph's graph modes, plus the API's messages-tuple and "events" (LangChain's run
events, ``astream_events`` v2: useStream's onLangChainEvent). Any other mode a client sends (a newer client's "tools"
or "lifecycle") is ignored, with a ``warning`` event saying so."""
StreamModeName = Annotated[str, Field(min_length=1, max_length=40)]
MAX_RUNS_LISTED = 100


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


# --- JSON a client sends ------------------------------------------------------------------------------------------

MAX_METADATA_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
_INT64 = (-(2**63), 2**63 - 1)


def storable_json(value: Any, field: str) -> Any:
    """Check JSON a client sends that ends up in a checkpoint or a Postgres jsonb column; return it unchanged.

    Raises ValueError naming the field (``metadata.tags[2]``) for what Postgres or the checkpointer cannot store:
    a NUL character (text and jsonb refuse it), a lone UTF-16 surrogate (not encodable as UTF-8), an integer outside
    64 bits (orjson, which reads the checkpoints back, refuses it: the thread's history would fail for good), nesting
    deeper than ``MAX_JSON_DEPTH``, a number that is not finite or whose size passes 2**63 (jsonb stores numbers as exact
    decimals, so 1e28 reads back as a 29-digit integer); and, for metadata, more than ``MAX_METADATA_BYTES`` of JSON (it is copied into
    every checkpoint of the thread).
    """

    def walk(node: Any, path: str, depth: int) -> None:
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"{path}: nested more than {MAX_JSON_DEPTH} levels deep; flatten it")
        if isinstance(node, str):
            if "\x00" in node:
                raise ValueError(f"{path}: contains a NUL character (\\u0000), which Postgres cannot store; remove it")
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{path}: contains a lone UTF-16 surrogate (invalid Unicode); send valid UTF-8 text") from None
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ValueError(f"{path}: {node} is not a JSON number Postgres can store; send a finite number or null")
            if not _INT64[0] <= node <= _INT64[1]:  # jsonb keeps it as an exact decimal: it reads back as a huge integer
                raise ValueError(f"{path}: {node:g} is beyond 64 bits; send it as a string")
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, int):
            if not _INT64[0] <= node <= _INT64[1]:
                raise ValueError(f"{path}: the integer {str(node)[:24]} does not fit in 64 bits; send it as a string")
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(key, f"{path} key {key[:40]!r}", depth + 1)
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]", depth + 1)

    walk(value, field, 0)
    return value


def storable(field: str) -> AfterValidator:
    """A pydantic validator (for ``Annotated``) that checks a field with ``storable_json`` under the name ``field``."""
    return AfterValidator(lambda value: storable_json(value, field))


def _metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    storable_json(value, "metadata")
    if (size := len(orjson.dumps(value))) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata: {size:,} bytes of JSON, more than the {MAX_METADATA_BYTES:,} allowed (it is "
                         "copied into every checkpoint); keep large data out of metadata")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_metadata)]
"""A metadata object a client sends: storable (``storable_json``) and at most ``MAX_METADATA_BYTES`` of JSON."""


# --- request bodies ----------------------------------------------------------------------------------------------


class ThreadCreate(BaseModel):
    """POST /threads. Unknown fields (ttl, supersteps) are not served and ignored."""

    model_config = ConfigDict(extra="ignore")
    thread_id: uuid.UUID | None = Field(None, description="The id to create (a UUID); default a new one.")
    metadata: Metadata = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = Field("raise", description="do_nothing: return your existing thread.")


class ThreadPatch(BaseModel):
    """PATCH /threads/{id}: metadata merged into the thread's."""

    metadata: Metadata = Field(default_factory=dict)


class ThreadSearch(BaseModel):
    """POST /threads/search: your threads, filtered by metadata (containment) and ids."""

    model_config = ConfigDict(extra="ignore")
    metadata: Metadata = Field(default_factory=dict)
    ids: Annotated[list[str] | None, storable("ids")] = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: StrictInt = Field(10, ge=1, le=1000)
    offset: StrictInt = Field(0, ge=0, le=1_000_000_000)
    sort_by: Literal["thread_id", "created_at", "updated_at"] = "updated_at"
    sort_order: Literal["asc", "desc"] = "desc"


class HistoryQuery(BaseModel):
    """POST /threads/{id}/history: checkpoints newest first."""

    model_config = ConfigDict(extra="ignore")
    limit: StrictInt = Field(10, ge=1, le=1000)
    before: Annotated[str | dict[str, Any] | None, storable("before")] = Field(
        None, description="A checkpoint id, or a checkpoint object.")
    metadata: Metadata | None = Field(None, description="Only checkpoints whose metadata has these values.")


class CommandIn(BaseModel):
    """A run's command: ``resume`` answers the thread's interrupt (an approval request). ``update`` and ``goto`` are
    LangGraph's fields, accepted empty and refused otherwise (422: they could skip an approval)."""

    model_config = ConfigDict(extra="forbid")
    resume: Any = None
    update: dict[str, Any] | None = None
    goto: str | list[str] | None = None


class RunCreate(BaseModel):
    """POST /threads/{id}/runs/stream, /runs/wait and /runs (LangGraph's RunCreate; the fields listed are served)."""

    model_config = ConfigDict(extra="ignore")
    assistant_id: str = Field(GRAPH_ID, description="creator_cortex, or agent")
    input: dict[str, Any] | None = Field(None, description='{"messages": [{"role": "user", "content": "..."}]}')
    command: CommandIn | None = Field(None, description='{"resume": "approve"} answers an approval request')
    stream_mode: StreamModeName | Annotated[list[StreamModeName], Field(max_length=16)] = Field(
        "values", description=f"Any of {', '.join(STREAM_MODES)}; other modes are ignored with a warning event.")
    config: dict[str, Any] | None = Field(None, description="configurable, tags, recursion_limit")
    context: dict[str, Any] | None = Field(None, description='{"engine": "offline" | "llm"}')
    metadata: Metadata | None = None
    checkpoint: Annotated[dict[str, Any] | None, storable("checkpoint")] = Field(
        None, description="Run from this checkpoint of the thread (a fork).")
    checkpoint_id: Annotated[str | None, storable("checkpoint_id")] = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    on_disconnect: Literal["cancel", "continue"] | None = Field(None, description="Default CORTEX_API_ON_DISCONNECT.")
    multitask_strategy: Literal["reject", "enqueue", "interrupt", "rollback"] | None = Field(
        None, description="With a run active on the thread: reject (409, the default), enqueue (run after it), interrupt "
        "(stop it, keeping what it did, then run) or rollback (stop it and drop what it did, then run).")
    if_not_exists: Literal["create", "reject"] | None = None
    durability: Literal["sync", "async", "exit"] | None = Field(None, description=f"Default {DURABILITY!r}.")
    stream_subgraphs: StrictBool = False
    stream_resumable: StrictBool = Field(False, description="Keep the run going when the client goes away, so it can "
                                         "reconnect (GET /threads/{thread_id}/runs/{run_id}/stream with Last-Event-ID).")

    @model_validator(mode="after")
    def _check(self) -> RunCreate:
        if self.input is not None and self.command is not None:
            raise ValueError("send input or command, not both")
        if self.stream_subgraphs:
            raise ValueError("stream_subgraphs is not served (the graph has no subgraphs): leave it false")
        for name in ("interrupt_before", "interrupt_after"):
            nodes = getattr(self, name)
            if isinstance(nodes, list) and (unknown := set(nodes) - set(NODES)):
                raise ValueError(f"{name}: unknown node(s) {sorted(unknown)}; the graph's nodes are {list(NODES)}")
        if self.input is not None:
            if set(self.input) - {"messages"} or not isinstance(self.input.get("messages", []), list):
                raise ValueError('input takes a list of messages only: {"messages": [{"role": "user", "content": "..."}]}')
            storable_json(self.input, "input")
            limit_mb = get_settings().api_max_body_mb
            if (chars := len(orjson.dumps(self.input).decode())) > limit_mb * 1_000_000:
                raise ValueError(f"input.messages: {chars / 1e6:.1f} MB of text, more than the {limit_mb:g} MB a run "
                                 "takes: send a shorter transcript (the part you want hooks and titles from)")
            try:
                convert_to_messages(self.input.get("messages", []))
            except (ValueError, NotImplementedError, TypeError, KeyError) as exc:
                raise ValueError(f"input.messages: {exc}") from None
        if self.command is not None:
            if self.command.resume is None and not (self.command.goto or self.command.update):
                raise ValueError('command.resume: send the answer to the approval request, e.g. {"resume": "approve"}')
            storable_json(self.command.resume, "command.resume")
        if self.config is not None:
            storable_json(self.config, "config")
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
        """The client's stream modes (served or not: ``STREAM_MODES``)."""
        return {self.stream_mode} if isinstance(self.stream_mode, str) else set(self.stream_mode) or {"values"}


class ThreadCount(BaseModel):
    """POST /threads/count: how many of your threads match (metadata containment, status)."""

    model_config = ConfigDict(extra="ignore")
    metadata: Metadata = Field(default_factory=dict)
    status: Literal["idle", "busy", "interrupted", "error"] | None = None


class CheckpointIn(BaseModel):
    """A checkpoint object as clients send it (LangGraph's Checkpoint): its id names it."""

    model_config = ConfigDict(extra="ignore")
    checkpoint_id: Annotated[str, storable("checkpoint.checkpoint_id")] = Field(
        max_length=100, description="The checkpoint's id, as the thread's state and history give it.")
    checkpoint_ns: Annotated[str, storable("checkpoint.checkpoint_ns")] = Field("", max_length=200)


class StateAt(BaseModel):
    """POST /threads/{id}/state/checkpoint: the thread's state at a checkpoint object."""

    model_config = ConfigDict(extra="ignore")
    checkpoint: CheckpointIn
    subgraphs: StrictBool = False


UPDATABLE_NODES = ("model", "answer")
"""The nodes a state update may be written as: "model" (messages with tool calls then go through the approval of side
effects, as the model's own calls do) and "answer" (the turn ends there)."""


class StateUpdate(BaseModel):
    """POST /threads/{id}/state: write messages into the thread as a new checkpoint (LangGraph's update_state)."""

    model_config = ConfigDict(extra="ignore")
    values: dict[str, Any] | list[dict[str, Any]] | None = Field(
        None, description='{"messages": [...]}: messages appended to (or, by id, replacing) the thread\'s.')
    as_node: Literal["model", "answer"] | None = Field(
        None, description="Write the update as this node; default 'answer' for a thread at rest, else the node "
                          "that wrote last. Tool calls written as 'model' wait for your approval when they would change "
                          "something.")
    checkpoint: CheckpointIn | None = None
    checkpoint_id: Annotated[str | None, storable("checkpoint_id")] = Field(None, max_length=100)

    @model_validator(mode="after")
    def _check(self) -> StateUpdate:
        values = self.values
        if isinstance(values, list):
            if len(values) != 1:
                raise ValueError("values: send one update ({\"messages\": [...]})")
            values = values[0]
        if values is not None:
            if set(values) - {"messages"} or not isinstance(values.get("messages", []), list):
                raise ValueError('values takes a list of messages only: {"messages": [{"role": "ai", "content": "..."}]}')
            storable_json(values, "values")
            try:
                convert_to_messages(values.get("messages", []))
            except (ValueError, NotImplementedError, TypeError, KeyError) as exc:
                raise ValueError(f"values.messages: {exc}") from None
        self.values = values
        return self

    @property
    def at(self) -> str | None:
        """The checkpoint id the update starts from (None: the thread's head)."""
        return self.checkpoint_id or (self.checkpoint.checkpoint_id if self.checkpoint else None)


class RunContext(BaseModel):
    """The context a run takes (``RunCreate.context``): the engine only; the creator comes from the API key."""

    engine: Literal["auto", "offline", "llm"] | None = Field(
        None, description="offline: the trained intent router; llm: the configured model; auto: CORTEX_ENGINE.")


class RunConfig(BaseModel):
    """The config a run takes (``RunCreate.config``): what ``agent.api.runs.run_config_of`` reads."""

    configurable: dict[str, Any] = Field(default_factory=dict, description="Passed to the graph (reserved keys dropped).")
    tags: list[str] = Field(default_factory=list)
    recursion_limit: int = Field(25, ge=1, le=MAX_RECURSION_LIMIT, description="Steps before the run stops.")


def assistant_json() -> dict:
    """The one assistant, in LangGraph's Assistant shape."""
    return {"assistant_id": ASSISTANT_ID, "graph_id": GRAPH_ID, "name": GRAPH_ID, "config": {}, "context": {},
            "metadata": {"created_by": "system"}, "version": 1, "created_at": "1970-01-01T00:00:00+00:00",
            "updated_at": "1970-01-01T00:00:00+00:00", "description": "Creator Cortex: a strategist for YouTube creators."}


def graph_schemas(graph: Any) -> dict:
    """The assistant's schemas in LangGraph's GraphSchema shape (what LangGraph Studio reads to draw its input form):
    graph_id, input_schema (the messages a run takes), output_schema and state_schema (the thread's values),
    config_schema (``RunConfig``) and context_schema (``RunContext``), each a JSON Schema."""
    input_schema = graph.get_input_jsonschema()
    input_schema["properties"] = {k: v for k, v in input_schema.get("properties", {}).items() if k == "messages"}
    input_schema["required"] = [k for k in input_schema.get("required", []) if k == "messages"]
    output_schema = graph.get_output_jsonschema()
    return {"graph_id": GRAPH_ID, "input_schema": input_schema, "output_schema": output_schema,
            "state_schema": output_schema, "config_schema": RunConfig.model_json_schema(),
            "context_schema": RunContext.model_json_schema()}


StoreNamespace = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=10)]
"""A store namespace as clients send it: a list of labels."""


class StoreSearch(BaseModel):
    """POST /store/items/search: items under one of your namespaces (default all of them)."""

    model_config = ConfigDict(extra="ignore")
    namespace_prefix: Annotated[StoreNamespace, storable("namespace_prefix")] = Field(default_factory=list)
    filter: Annotated[Annotated[dict[Annotated[str, Field(max_length=100)], str | int | float | bool | None],
                                Field(max_length=20)] | None, storable("filter")] = Field(
        None, description="Items whose value has these top-level fields equal to these values.")
    limit: StrictInt = Field(10, ge=1, le=100)
    offset: StrictInt = Field(0, ge=0, le=1_000_000)
    query: Annotated[str | None, storable("query")] = Field(None, max_length=1000)


class StoreNamespaces(BaseModel):
    """POST /store/namespaces: your namespaces (under a prefix, ending with a suffix, up to a depth)."""

    model_config = ConfigDict(extra="ignore")
    prefix: Annotated[StoreNamespace | None, storable("prefix")] = None
    suffix: Annotated[StoreNamespace | None, storable("suffix")] = None
    max_depth: StrictInt | None = Field(None, ge=1, le=10)
    limit: StrictInt = Field(100, ge=1, le=1000)
    offset: StrictInt = Field(0, ge=0, le=1_000_000)
