"""The HTTP API's routes (see ``agent.api``): API keys and thread ownership, threads, their state and history,
runs (streamed or waited), and the assistant."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from agent import auth
from agent.api import runs
from agent.api.guards import API_PREFIXES, outage_error
from agent.api.schemas import (
    ASSISTANT_NAMES,
    GRAPH_ID,
    MAX_RUNS_LISTED,
    HistoryQuery,
    RunCreate,
    StateAt,
    StateUpdate,
    StoreNamespaces,
    StoreSearch,
    ThreadCount,
    ThreadCreate,
    ThreadPatch,
    ThreadSearch,
    assistant_json,
    dumps,
    graph_schemas,
    state_json,
    thread_status,
)
from agent.settings import get_settings
from graphs.conversation import persistent_graph
from memory.db import copy_checkpoints, get_database
from memory.learning import ROOT as STORE_ROOT

router = APIRouter()
_api_key = APIKeyHeader(name="x-api-key", auto_error=False, description="An API key (`cortex keys create`).")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


class ErrorBody(BaseModel):
    """An error's JSON: ``detail`` says what to fix (a list of {loc, msg, type} for a request that does not validate)."""

    detail: str | list[dict[str, Any]]


ERRORS = {
    400: "The body is not JSON text (UTF-8).",
    401: "No API key, or an unknown or revoked one.",
    404: "No such thread, checkpoint or assistant (another creator's thread is not found either).",
    409: "The thread exists already, or is running a task.",
    413: "The request body is over CORTEX_API_MAX_BODY_MB (twice that for runs).",
    422: "The request does not validate: each error names the field and what to fix.",
    503: "The database does not answer; the service recovers by itself (Retry-After says when to retry).",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error codes (``ERRORS``), each with the ``ErrorBody`` shape."""
    return {code: {"description": ERRORS[code], "model": ErrorBody} for code in codes}


def _json(obj: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(obj), status_code=status_code, media_type="application/json", headers=headers)


async def _graph() -> CompiledStateGraph:
    """The conversation graph on the service's database."""
    return persistent_graph(await get_database())


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
    if db.outage:
        raise outage_error(db.outage)
    creator = await auth.creator_for_key(db.pool, key)
    if creator is None:
        raise HTTPException(401, "Unknown or revoked API key: create one with `cortex keys create --creator NAME`.",
                            headers={"WWW-Authenticate": "Bearer"})
    return creator


Creator = Annotated[str, Depends(current_creator)]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


async def _owned(thread_id: str, creator: str) -> auth.OwnedThread:
    """The creator's thread; 404 when it is missing, another creator's, or not a thread id (a UUID) at all."""
    db = await get_database()
    owned = await auth.owned_thread(db.pool, thread_id, creator) if _is_uuid(thread_id) else None
    if owned is None:
        raise HTTPException(404, f"Thread {thread_id} not found.")
    return owned


def _assistant(assistant_id: str) -> None:
    if assistant_id not in ASSISTANT_NAMES:
        raise HTTPException(404, f"Assistant {assistant_id!r} not found: use {GRAPH_ID!r} (or 'agent').")


async def _thread_json(owned: auth.OwnedThread, fresh: bool = False) -> dict:
    """The thread in LangGraph's Thread shape; ``fresh``: it was claimed just now with no checkpoint (``_create``),
    so it has no state and no run to read: idle, no values."""
    status, values, interrupts = "idle", {}, {}
    if not fresh:
        db = await get_database()
        state = await persistent_graph(db).aget_state({"configurable": {"thread_id": owned.thread_id}})
        status = thread_status(state, await runs.RUNS.busy(db, owned.thread_id))
        values, interrupts = state.values, {t.id: list(t.interrupts) for t in state.tasks if t.interrupts}
    return {
        "thread_id": owned.thread_id,
        "created_at": owned.created_at,
        "updated_at": owned.updated_at,
        "metadata": {**owned.metadata, "creator_id": owned.creator_id},
        "status": status,
        "values": values,
        "interrupts": interrupts,
    }


async def _start(thread_id: str, body: RunCreate, creator: str, modes: set[str],
                 background: bool = False) -> runs.AnyRun:
    """Check the request, then start the run (``runs.start``; a ``background`` run goes to the job queue): 404 for
    a thread that is not yours (created first with ``if_not_exists: "create"``), 409 while it runs a task (with
    multitask_strategy reject)."""
    _assistant(body.assistant_id)
    db = await get_database()
    if body.if_not_exists == "create" and not await auth.owned_thread(db.pool, thread_id, creator):
        await _create(thread_id, creator, {})
    await _owned(thread_id, creator)
    return await runs.start(thread_id, body, creator, modes, db, background)


# --- routes ------------------------------------------------------------------------------------------------------


async def _create(thread_id: str, creator: str, metadata: dict[str, Any], generated: bool = False) -> auth.OwnedThread | None:
    """Claim a new thread id (a UUID, else 422) for the creator: None when the id is taken (by anyone, or by a
    conversation that has checkpoints but no owner, such as one of `cortex ask --thread`). A thread claimed here has
    no checkpoint. ``generated``: the id is a new uuid4 of this service, so nothing can have checkpoints under it."""
    if not _is_uuid(thread_id):
        raise HTTPException(422, f"Thread id {thread_id!r} is not a UUID: LangGraph thread ids are UUIDs.")
    db = await get_database()
    if not generated and await db.checkpointer.aget_tuple({"configurable": {"thread_id": thread_id}}) is not None \
            and not await auth.thread_has_owner(db.pool, thread_id):
        return None
    return await auth.claim_thread(db.pool, thread_id, creator, metadata)


@router.post("/threads", tags=["threads"], responses=errors(400, 401, 503, 409, 413, 422))
async def create_thread(body: ThreadCreate, creator: Creator) -> Response:
    """Create a thread owned by your creator id. 409 when the id exists (``if_exists: "do_nothing"`` returns your
    own thread instead)."""
    thread_id = str(body.thread_id or uuid.uuid4())
    db = await get_database()
    owned = await _create(thread_id, creator, body.metadata, generated=body.thread_id is None)
    if owned is not None:
        return _json(await _thread_json(owned, fresh=True))
    owned = await auth.owned_thread(db.pool, thread_id, creator)
    if owned is None or body.if_exists == "raise":
        raise HTTPException(409, f"Thread {thread_id} already exists.")
    return _json(await _thread_json(owned))


@router.post("/threads/search", tags=["threads"], responses=errors(400, 401, 503, 413, 422))
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


@router.get("/threads/{thread_id}", tags=["threads"], responses=errors(401, 503, 404))
async def get_thread(thread_id: str, creator: Creator) -> Response:
    """One of your threads: metadata, status, values and pending interrupts."""
    return _json(await _thread_json(await _owned(thread_id, creator)))


@router.patch("/threads/{thread_id}", tags=["threads"], responses=errors(400, 401, 503, 404, 413, 422))
async def patch_thread(thread_id: str, body: ThreadPatch, creator: Creator) -> Response:
    """Merge metadata into one of your threads."""
    await _owned(thread_id, creator)
    db = await get_database()
    return _json(await _thread_json(await auth.update_thread(db.pool, thread_id, body.metadata)))


@router.delete("/threads/{thread_id}", status_code=204, tags=["threads"], responses=errors(401, 503, 404, 409))
async def delete_thread(thread_id: str, creator: Creator) -> Response:
    """Delete one of your threads and its checkpoints (409 while a run is in progress)."""
    await _owned(thread_id, creator)
    db = await get_database()
    if await runs.RUNS.busy(db, thread_id):
        raise HTTPException(409, f"Thread {thread_id} is running a task: wait for it to finish, then delete it.")
    await db.checkpointer.adelete_thread(thread_id)
    await auth.forget_thread(db.pool, thread_id)
    await runs.RUNS.forget_thread(db, thread_id)
    return Response(status_code=204)


@router.post("/threads/count", tags=["threads"], responses=errors(400, 401, 503, 413, 422))
async def count_threads(body: ThreadCount, creator: Creator) -> Response:
    """How many of your threads match: metadata (containment) and status."""
    db = await get_database()
    count, offset, page_size = 0, 0, 1000
    while True:
        page = await auth.creator_threads(db.pool, creator, metadata=body.metadata, limit=page_size, offset=offset)
        if body.status is None:
            count += len(page)
        else:
            count += sum([(await _thread_json(owned))["status"] == body.status for owned in page])
        if len(page) < page_size:
            return _json(count)
        offset += page_size


@router.post("/threads/{thread_id}/copy", tags=["threads"], responses=errors(401, 503, 404, 409))
async def copy_thread(thread_id: str, creator: Creator) -> Response:
    """A new thread of yours with this thread's metadata and every checkpoint (409 while a run is in progress)."""
    owned = await _owned(thread_id, creator)
    db = await get_database()
    if await runs.RUNS.busy(db, thread_id):
        raise HTTPException(409, f"Thread {thread_id} is running a task: wait for it to finish, then copy it.")
    copy = await auth.claim_thread(db.pool, str(uuid.uuid4()), creator, owned.metadata)
    await copy_checkpoints(db.checkpointer, thread_id, copy.thread_id)
    return _json(await _thread_json(copy))


@router.get("/threads/{thread_id}/state", tags=["threads"], responses=errors(401, 503, 404))
async def get_state(thread_id: str, creator: Creator) -> Response:
    """The thread's current state (LangGraph's ThreadState)."""
    await _owned(thread_id, creator)
    graph = await _graph()
    return _json(state_json(await graph.aget_state({"configurable": {"thread_id": thread_id}})))


@router.get("/threads/{thread_id}/state/{checkpoint_id}", tags=["threads"], responses=errors(401, 503, 404))
async def get_state_at(thread_id: str, checkpoint_id: str, creator: Creator) -> Response:
    """The thread's state at one checkpoint (404 when the thread has no such checkpoint)."""
    await _owned(thread_id, creator)
    graph = await _graph()
    config = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
    if not _is_uuid(checkpoint_id) or await graph.checkpointer.aget_tuple(config) is None:
        raise HTTPException(404, f"Checkpoint {checkpoint_id} not found in thread {thread_id}.")
    return _json(state_json(await graph.aget_state(config)))


@router.post("/threads/{thread_id}/state/checkpoint", tags=["threads"],
             responses=errors(400, 401, 503, 404, 413, 422))
async def post_state_at(thread_id: str, body: StateAt, creator: Creator) -> Response:
    """The thread's state at a checkpoint object (what ``client.threads.get_state(checkpoint=...)`` sends)."""
    return await get_state_at(thread_id, body.checkpoint.checkpoint_id, creator)


@router.post("/threads/{thread_id}/state", tags=["threads"], responses=errors(400, 401, 503, 404, 409, 413, 422))
async def update_state(thread_id: str, body: StateUpdate, creator: Creator) -> Response:
    """Write messages into the thread as a new checkpoint (LangGraph's update_state), from its head or from
    ``checkpoint``; answers {"checkpoint": ...}, the new one. Written as "model", tool calls that would change
    something wait for your approval in the next run, as the model's own do; nothing runs here. 409 while a run is in
    progress."""
    await _owned(thread_id, creator)
    if await runs.RUNS.busy(await get_database(), thread_id):
        raise HTTPException(409, f"Thread {thread_id} is running a task: wait for it to finish, then update it.")
    graph = await _graph()
    config: dict[str, Any] = {"configurable": {"thread_id": thread_id}}
    if body.at:
        config["configurable"]["checkpoint_id"] = body.at
        if not _is_uuid(body.at) or await graph.checkpointer.aget_tuple(config) is None:
            raise HTTPException(404, f"Checkpoint {body.at} not found in thread {thread_id}.")
    state = await graph.aget_state(config)
    writes = body.values.get("messages") if isinstance(body.values, dict) else body.values
    if not state.values.get("messages") and not writes:
        raise HTTPException(422, f"values.messages: thread {thread_id} has no messages yet: write at least one.")
    as_node = body.as_node or ("model" if state.next else "answer")
    try:
        written = await graph.aupdate_state(config, body.values, as_node=as_node)
    except ValueError as exc:  # e.g. removing a message id the thread does not have
        raise HTTPException(422, f"values.messages: {exc}") from None
    return _json({"checkpoint": state_json(await graph.aget_state(written))["checkpoint"]})


async def _history(thread_id: str, creator: str, query: HistoryQuery) -> Response:
    await _owned(thread_id, creator)
    graph = await _graph()
    before = query.before.get("checkpoint_id") if isinstance(query.before, dict) else query.before
    states = [state_json(s) async for s in graph.aget_state_history(
        {"configurable": {"thread_id": thread_id}}, limit=query.limit, filter=query.metadata,
        before={"configurable": {"thread_id": thread_id, "checkpoint_id": before}} if before else None,
    )]
    return _json(states)


@router.post("/threads/{thread_id}/history", tags=["threads"], responses=errors(400, 401, 503, 404, 413, 422))
async def post_history(thread_id: str, query: HistoryQuery, creator: Creator) -> Response:
    """The thread's states, newest first (what ``client.threads.get_history`` and useStream read)."""
    return await _history(thread_id, creator, query)


@router.get("/threads/{thread_id}/history", tags=["threads"], responses=errors(401, 503, 404, 422))
async def get_history(
    thread_id: str, creator: Creator, limit: Annotated[int, Query(ge=1, le=1000)] = 10, before: str | None = None
) -> Response:
    """The thread's states, newest first."""
    return await _history(thread_id, creator, HistoryQuery(limit=limit, before=before))


@router.post("/threads/{thread_id}/runs/stream", tags=["runs"], response_class=EventSourceResponse,
             responses={200: {"description": "Server-sent events: metadata, the stream modes' events, then end or error.",
                              "content": {"text/event-stream": {"schema": {
                                  "type": "object", "required": ["event"],
                                  "properties": {"event": {"type": "string"}, "data": {"type": "string"},
                                                 "id": {"type": "string"}}}}}},
                        **errors(400, 401, 404, 409, 413, 422, 503)})
async def stream_run(thread_id: str, body: RunCreate, creator: Creator) -> EventSourceResponse:
    """Run the agent on the thread and stream its events (server-sent events; see ``agent.api``), with a
    heartbeat comment every CORTEX_API_HEARTBEAT_S seconds."""
    settings = get_settings()
    run = await _start(thread_id, body, creator, body.modes)
    # a resumable stream's run goes on without its client, who reconnects to it
    on_disconnect = body.on_disconnect or ("continue" if body.stream_resumable else settings.api_on_disconnect)
    return EventSourceResponse(runs.sse_events(await get_database(), run, on_disconnect), ping=settings.api_heartbeat_s,
                               headers=runs.run_headers(run, resumable=body.stream_resumable))


@router.post("/threads/{thread_id}/runs/wait", tags=["runs"], responses=errors(400, 401, 503, 404, 409, 413, 422))
async def wait_run(thread_id: str, body: RunCreate, creator: Creator) -> Response:
    """Run the agent on the thread and answer with the thread's values when it stops: with ``__interrupt__`` when
    it waits for an approval, ``{"__error__": {error, message}}`` when it failed."""
    run = await _start(thread_id, body, creator, {"values"})
    return await _outcome(run)


async def _outcome(run: runs.AnyRun) -> Response:
    """The thread's values once ``run`` finished (``{"__error__": ...}`` when it failed)."""
    values, error = await runs.final_event(await get_database(), run)
    if error is not None:
        return _json({"__error__": error}, headers=runs.run_headers(run))
    if values is None:
        graph = await _graph()
        values = (await graph.aget_state({"configurable": {"thread_id": run.thread_id}})).values
    return _json(values, headers=runs.run_headers(run))


async def _run(thread_id: str, run_id: str, creator: str) -> runs.AnyRun:
    """One of your thread's runs (executed by any process); 404 when unknown."""
    await _owned(thread_id, creator)
    run = await runs.RUNS.get(await get_database(), thread_id, run_id)
    if run is None:
        raise HTTPException(404, f"Run {run_id} not found in thread {thread_id}.")
    return run


@router.post("/threads/{thread_id}/runs", tags=["runs"], responses=errors(400, 401, 503, 404, 409, 413, 422))
async def create_run(thread_id: str, body: RunCreate, creator: Creator) -> Response:
    """Start a background run on the thread: it is queued at once (its Run, status pending) and a worker (`cortex
    worker`) executes it, so it goes on whatever happens to this process; follow it with /join or /stream, stop it
    with /cancel."""
    run = await _start(thread_id, body, creator, body.modes, background=True)
    return _json(run.as_json(), headers=runs.run_headers(run))


@router.post("/threads/{thread_id}/runs/{run_id}/cancel", tags=["runs"], status_code=202,
             responses={200: {"description": "The run, stopped (with wait)."},
                        204: {"description": "The run was rolled back: it is gone."}, **errors(401, 503, 404, 422)})
async def cancel_run(
    thread_id: str, run_id: str, creator: Creator, wait: bool = False,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    """Stop a run, wherever it runs: ``interrupt`` keeps the steps it finished (the thread closed as a stopped
    turn), ``rollback`` also drops them and the run (204). Answers the run (202; 200 with ``wait``: once it has
    stopped)."""
    run = await _run(thread_id, run_id, creator)
    db = await get_database()
    after = await runs.RUNS.cancel(db, run, action)
    if wait and after is not None:
        async for _ in runs.RUNS.follow(db, run):
            pass
        again = await runs.RUNS.get(db, thread_id, run.run_id)
        after = again.as_json() if again is not None else None
    if after is None:  # rolled back: the run is gone
        return Response(status_code=204)
    return _json(after, status_code=200 if wait else 202)


@router.get("/threads/{thread_id}/runs", tags=["runs"], responses=errors(401, 503, 404, 422))
async def list_runs(
    thread_id: str, creator: Creator, limit: Annotated[int, Query(ge=1, le=MAX_RUNS_LISTED)] = 10,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: Literal["pending", "running", "success", "error", "interrupted"] | None = None,
) -> Response:
    """The thread's runs, newest first (LangGraph's Run shape)."""
    await _owned(thread_id, creator)
    return _json(await runs.RUNS.of_thread(await get_database(), thread_id, status, limit, offset))


@router.get("/threads/{thread_id}/runs/{run_id}", tags=["runs"], responses=errors(401, 503, 404))
async def get_run(thread_id: str, run_id: str, creator: Creator) -> Response:
    """One run of the thread: its status (pending, running, success, error, interrupted) and stream modes."""
    return _json((await _run(thread_id, run_id, creator)).as_json())


@router.get("/threads/{thread_id}/runs/{run_id}/join", tags=["runs"], responses=errors(401, 503, 404))
async def join_run(thread_id: str, run_id: str, creator: Creator) -> Response:
    """Wait for the run to finish and answer with the thread's values, as /runs/wait does."""
    return await _outcome(await _run(thread_id, run_id, creator))


@router.get("/threads/{thread_id}/runs/{run_id}/stream", tags=["runs"], response_class=EventSourceResponse,
            responses={200: {"description": "The run's server-sent events after Last-Event-ID (all of them without it).",
                             "content": {"text/event-stream": {"schema": {
                                 "type": "object", "required": ["event"],
                                 "properties": {"event": {"type": "string"}, "data": {"type": "string"},
                                                "id": {"type": "string"}}}}}},
                       **errors(401, 503, 404, 422)})
async def join_stream(
    thread_id: str, run_id: str, creator: Creator,
    last_event_id: Annotated[int | None, Header(ge=-1, le=10**9)] = None,
    cancel_on_disconnect: bool = False,
) -> EventSourceResponse:
    """Reconnect to a run's stream (any run, executed by any process): its events after
    ``Last-Event-ID``, in the stream modes the run was started with, then the rest as they come."""
    run = await _run(thread_id, run_id, creator)
    after = -1 if last_event_id is None else last_event_id
    return EventSourceResponse(runs.sse_events(await get_database(), run, "cancel" if cancel_on_disconnect else "continue",
                                               after),
                               ping=get_settings().api_heartbeat_s, headers=runs.run_headers(run))


@router.get("/assistants/{assistant_id}", tags=["assistants"], responses=errors(401, 503, 404))
async def get_assistant(assistant_id: str, creator: Creator) -> Response:
    """The assistant (creator_cortex, agent or its UUID)."""
    _assistant(assistant_id)
    return _json(assistant_json())


@router.get("/assistants/{assistant_id}/graph", tags=["assistants"], responses=errors(401, 503, 404, 422))
async def get_graph(assistant_id: str, creator: Creator,
                    xray: Annotated[bool | Annotated[int, Field(ge=0, le=10)], Query()] = False) -> Response:
    """The assistant's graph, nodes and edges (what LangGraph Studio draws); ``xray`` shows subgraphs' insides (the
    graph has none)."""
    _assistant(assistant_id)
    graph = await _graph()
    return _json(graph.get_graph(xray=xray).to_json())


@router.get("/assistants/{assistant_id}/schemas", tags=["assistants"], responses=errors(401, 503, 404))
async def get_schemas(assistant_id: str, creator: Creator) -> Response:
    """The assistant's input, output, state, config and context JSON Schemas (``agent.api.schemas.graph_schemas``)."""
    _assistant(assistant_id)
    return _json(graph_schemas(await _graph()))


@router.get("/assistants/{assistant_id}/subgraphs", tags=["assistants"], responses=errors(401, 503, 404, 422))
async def get_subgraphs(assistant_id: str, creator: Creator, recurse: bool = False) -> Response:
    """The assistant's subgraphs by namespace: none (the conversation graph is one graph)."""
    _assistant(assistant_id)
    return _json({})


@router.post("/assistants/search", tags=["assistants"], responses=errors(401))
async def search_assistants(creator: Creator) -> Response:
    """The assistants: one."""
    return _json([assistant_json()])


# --- the store: your own namespaces, read-only ---------------------------------------------------------------------


def _own_namespace(namespace: list[str], creator: str) -> tuple[str, ...]:
    """``namespace`` when it is one of the creator's (("creators", creator, ...)); the creator's root for an empty one;
    404 for anyone else's (as another creator's thread)."""
    root = (STORE_ROOT, creator)
    if not namespace:
        return root
    if tuple(namespace[:2]) != root:
        raise HTTPException(404, f"Namespace {'.'.join(namespace)!r} not found: yours start with "
                                 f"{'.'.join(root)!r}.")
    return tuple(namespace)


def _item_json(item: Any) -> dict:
    return {"namespace": list(item.namespace), "key": item.key, "value": item.value, "created_at": item.created_at,
            "updated_at": item.updated_at} | ({"score": item.score} if getattr(item, "score", None) is not None else {})


@router.get("/store/items", tags=["store"], responses=errors(401, 503, 404, 422))
async def get_store_item(
    creator: Creator, key: Annotated[str, Query(min_length=1, max_length=200)],
    namespace: Annotated[str, Query(max_length=1000, description="The namespace's labels joined with dots.")] = "",
) -> Response:
    """One item of your store namespaces (what Creator Cortex learned about you: ``("creators", you, block)``)."""
    ns = _own_namespace([p for p in namespace.split(".") if p], creator)
    if "\x00" in key + namespace:
        raise HTTPException(404, f"Item {key!r} not found.")
    db = await get_database()
    item = await db.store.aget(ns, key)
    if item is None:
        raise HTTPException(404, f"Item {key!r} not found in {'.'.join(ns)!r}.")
    return _json(_item_json(item))


@router.post("/store/items/search", tags=["store"], responses=errors(400, 401, 503, 404, 413, 422))
async def search_store_items(body: StoreSearch, creator: Creator) -> Response:
    """Items under one of your namespaces (default all of yours), by metadata filter and text query."""
    db = await get_database()
    try:
        items = await db.store.asearch(_own_namespace(body.namespace_prefix, creator), query=body.query or None,
                                       filter=body.filter, limit=body.limit, offset=body.offset)
    except ValueError as exc:  # a filter operator the store does not know
        raise HTTPException(422, f"filter: {exc}") from None
    return _json({"items": [_item_json(i) for i in items]})


@router.post("/store/namespaces", tags=["store"], responses=errors(400, 401, 503, 404, 413, 422))
async def list_store_namespaces(body: StoreNamespaces, creator: Creator) -> Response:
    """Your store namespaces. Editing them is not served here: ask the agent (edit_memory, which you approve)."""
    db = await get_database()
    found = await db.store.alist_namespaces(prefix=_own_namespace(body.prefix or [], creator),
                                            suffix=tuple(body.suffix) if body.suffix else None,
                                            max_depth=body.max_depth, limit=body.limit, offset=body.offset)
    return _json({"namespaces": [list(ns) for ns in found]})


# --- what is not served ------------------------------------------------------------------------------------------

SERVED = (
    "POST /threads", "POST /threads/search", "POST /threads/count", "GET|PATCH|DELETE /threads/{thread_id}",
    "POST /threads/{thread_id}/copy", "GET|POST /threads/{thread_id}/state",
    "GET /threads/{thread_id}/state/{checkpoint_id}", "POST /threads/{thread_id}/state/checkpoint",
    "GET|POST /threads/{thread_id}/history", "POST /threads/{thread_id}/runs/stream",
    "POST /threads/{thread_id}/runs/wait", "GET|POST /threads/{thread_id}/runs",
    "GET /threads/{thread_id}/runs/{run_id}[/join|/stream]", "POST /threads/{thread_id}/runs/{run_id}/cancel", "GET /assistants/{assistant_id}[/graph|/schemas|/subgraphs]",
    "POST /assistants/search", "GET /store/items", "POST /store/items/search", "POST /store/namespaces",
)
"""The API's routes, as the 404 of an unserved one lists them."""


def unserved(prefix: str) -> None:
    """Register, last on the router, JSON for every method and path under ``prefix`` that no route above serves, so
    LangGraph clients get JSON naming what is served, not the chat page: 405 with the Allow header for a path served
    for other methods, 404 for a path not served at all."""

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    @router.api_route(prefix, include_in_schema=False, methods=methods)
    @router.api_route(prefix + "/{rest:path}", include_in_schema=False, methods=methods)
    async def not_served(request: Request) -> Response:
        path = request.url.path
        served = [r for r in router.routes if isinstance(r, APIRoute) and r.include_in_schema and r.path_regex.match(path)]
        # the most specific paths: /threads/{thread_id}/runs/wait, not /threads/{thread_id}/runs/{run_id}
        fewest = min((r.path.count("{") for r in served), default=0)
        allowed = sorted({m for r in served if r.path.count("{") == fewest for m in r.methods})
        if allowed:
            return _json({"detail": f"{request.method} is not served on {path}: use {', '.join(allowed)}."},
                         status_code=405, headers={"Allow": ", ".join(allowed)})
        return _json({"detail": f"{request.method} {path} is not served by Creator Cortex. Served: "
                                + "; ".join(SERVED) + ". See /docs."}, status_code=404)


for _prefix in API_PREFIXES:
    unserved(_prefix)
