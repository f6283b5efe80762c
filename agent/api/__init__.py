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
- ``GET /assistants/{id}``, ``POST /assistants/search``: the one assistant; ``GET /assistants/{id}/graph`` (xray),
  ``/schemas`` and ``/subgraphs``: what LangGraph Studio reads;
- ``POST /threads/count``, ``POST /threads/{id}/copy``, ``POST /threads/{id}/state`` (update_state: messages written
  as a new checkpoint, as "model" or "answer", so tool calls with side effects still go through the approval step),
  ``POST /threads/{id}/state/checkpoint`` (the state at a checkpoint object);
- ``POST /threads/{id}/runs`` (a background run), ``GET /threads/{id}/runs``, ``GET /threads/{id}/runs/{run_id}``,
  ``.../join``, ``.../stream`` (rejoin a run's events after Last-Event-ID: resumable streams) and ``POST
  .../cancel``;
- ``GET /store/items``, ``POST /store/items/search``, ``POST /store/namespaces``: the creator's own store namespaces
  (("creators", creator, block)), read-only;
- stream modes beyond those above: LangGraph's ``debug``, ``tasks`` and ``checkpoints``, and ``events`` (LangChain's
  run events, ``agent.turns.graph_events``); any other mode is ignored with a ``warning`` event.

Assistant ids: ``creator_cortex`` (the graph's name in langgraph.json), ``agent`` (the SDK examples' default) and
``ASSISTANT_ID`` all name the same conversation graph; any other id gets 404.

Auth: every route needs an API key (``x-api-key``, as the SDK sends ``api_key``, or ``Authorization: Bearer``):
401 without a valid one. Threads belong to the key's creator; another creator's thread is 404, as a missing one.

Runs: one active run per thread, enforced by Postgres across every API process and worker (LangGraph's
multitask strategies: "reject", the default, answers 409 while one is active; "enqueue" waits for it; "interrupt"
and "rollback" stop it first), recorded with their events in Postgres (``memory.runs``), so any process lists,
joins, streams (``Last-Event-ID``) and cancels any run. A streamed or waited run executes in the process that
accepted it; a background run (``POST /threads/{id}/runs``) in a worker (``agent.worker``, `cortex worker`). A
streamed run whose client disconnects is cancelled (``CORTEX_API_ON_DISCONNECT``, or the run's ``on_disconnect``:
"continue" lets it finish) and its thread closed (``close_unfinished_turn``); steps are checkpointed with
durability "sync", so every completed step is kept. Not served: stateless runs (``/runs/...``), crons, webhooks,
writing the store and ``stream_subgraphs``; their paths answer JSON 404 (405 with Allow for a path served with
other methods).

Modules: ``schemas`` (the JSON shapes of threads, states and messages, and the request bodies), ``runs`` (the runs, in
Postgres: each executed as a task that runs a turn through ``agent.turns.run_turn`` and translates the graph's
stream into LangGraph's server-sent events), ``routes`` (the FastAPI router: API keys, thread ownership and the
routes), ``guards`` (what is refused before a route runs: bodies over the limit, requests that do not validate,
requests during a database outage).
"""

import psycopg
import psycopg_pool
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from agent.api.guards import BodyLimit, database_down, validation_error
from agent.api.routes import router
from agent.settings import get_settings


def install(app: FastAPI) -> None:
    """Serve the API on ``app``: its routes (before the chat UI is mounted, so they win), the body limit, the 422
    handler and the 503 of a database outage (``agent.api.guards``)."""
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, validation_error)
    for fault in (psycopg.OperationalError, psycopg_pool.PoolTimeout):
        app.add_exception_handler(fault, database_down)
    app.add_middleware(BodyLimit, limit_mb=lambda: get_settings().api_max_body_mb)
