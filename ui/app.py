"""The Chainlit chat app: login (the user name is the creator id), starters, threads that persist in
Postgres and resume after a reload, and every run rendered step by step (``ui.render``)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

from agent.settings import get_settings
from graphs.conversation import CortexContext, persistent_graph, run_config
from memory.db import sqlalchemy_url
from ui.render import render_run

log = logging.getLogger(__name__)
MAX_ATTACHMENT_CHARS = 2_000_000


@cl.data_layer
def data_layer() -> SQLAlchemyDataLayer:
    """Chainlit's SQL data layer on the project's Postgres (tables from memory/migrations/0002)."""
    return SQLAlchemyDataLayer(conninfo=sqlalchemy_url())


def creator_id_for(username: str) -> str:
    """The creator id of a login name: lower case, [a-z0-9_-] only."""
    return re.sub(r"[^a-z0-9_-]+", "-", username.strip().lower()).strip("-")


@cl.password_auth_callback
def login(username: str, password: str) -> cl.User | None:
    """Any user name with the shared password (CORTEX_UI_PASSWORD) logs in as that creator."""
    creator = creator_id_for(username)
    if not creator or password != get_settings().ui_password.get_secret_value():
        return None
    return cl.User(identifier=creator, metadata={"creator_id": creator})


@cl.set_starters
async def starters() -> list[cl.Starter]:
    return [
        cl.Starter(label="Score my title", message="Score this title: I Built a Giant Lego Volcano"),
        cl.Starter(
            label="Find outliers about ...",
            message="Show me outliers about space experiments from Mark Rober or Veritasium",
        ),
        cl.Starter(label="What works in personal finance?", message="Find outlier videos about budgeting for beginners"),
        cl.Starter(label="Compare two titles", message='Which is better: "I tried yoga for 30 days" or "30 days of yoga"?'),
    ]


@cl.on_chat_start
async def chat_start() -> None:
    """Nothing to prepare: the graph's checkpoint is keyed by the Chainlit thread id."""


@cl.on_chat_resume
async def chat_resume(thread: dict) -> None:
    """Resuming needs nothing more: the thread's messages are in the LangGraph checkpoint."""


def _attachments_text(message: cl.Message) -> str:
    parts = []
    for element in message.elements or []:
        path = getattr(element, "path", None)
        if path and Path(path).is_file():
            text = Path(path).read_text(encoding="utf-8", errors="replace")[:MAX_ATTACHMENT_CHARS]
            parts.append(f"\n\n[Attached file: {element.name}]\n{text}")
    return "".join(parts)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Run the conversation graph on the creator's message and render it as it runs."""
    user = cl.user_session.get("user")
    creator = (user.metadata or {}).get("creator_id", user.identifier) if user else "anonymous"
    graph = await persistent_graph()
    text = message.content + _attachments_text(message)
    stream = graph.astream(
        {"messages": [("user", text)]},
        run_config(cl.context.session.thread_id, creator),
        context=CortexContext(creator_id=creator),
        stream_mode=["updates", "messages", "custom"],
    )
    try:
        await render_run(stream)
    except Exception as exc:  # the creator sees what failed and what to do; the log keeps the trace
        log.exception("run failed on thread %s", cl.context.session.thread_id)
        await cl.ErrorMessage(content=f"Sorry, that run failed: {exc}. Try again, or rephrase the request.").send()
