"""The Chainlit chat app: login (the user name is the creator id, ``agent.auth.creator_id_for``, as for API
keys), starters, threads that persist in Postgres, resume after a reload and belong to the creator (their API key
reaches them too), and every run rendered step by step (``ui.render.render_turn``), with an approval request before
actions with side effects (Approve / Cancel buttons, or a typed yes / no), and feedback on generated titles: the
buttons under each title and the thumbs on an answer that showed titles both go through
``tools.learning.signals.record_signal``, the loop the record_feedback tool uses."""

from __future__ import annotations

import asyncio
import logging

import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.types import Feedback

from agent import auth
from agent.auth import claim_or_owned
from agent.settings import get_settings
from agent.turns import run_config
from graphs.conversation import persistent_graph
from memory.db import get_database, sqlalchemy_url
from tools.base import CortexContext
from tools.learning.choices import feedback_reply
from tools.learning.signals import record_signal, record_thumbs, shown_choice
from ui.attachments import DEFAULT_QUESTION, offer_import, read_attachments
from ui.render import APPROVAL_ACTION, render_turn, restore_approval, restore_title_actions, resume_approval
from ui.storage import storage_client, use_local_store

log = logging.getLogger(__name__)


EDIT_TIMEOUT_S = 300
"""How long the Edit button waits for the creator's wording."""


class CortexDataLayer(SQLAlchemyDataLayer):
    """Chainlit's SQL data layer, plus: a thumbs on an answer that showed generated titles is also a feedback
    signal on that generation (thumbs_up / thumbs_down)."""

    async def upsert_feedback(self, feedback: Feedback) -> str:
        """Store Chainlit's feedback row, then record the signal when the message showed titles."""
        feedback_id = await super().upsert_feedback(feedback)
        if feedback.value in (0, 1):
            db = await get_database()
            await record_thumbs(db.pool, db.store, feedback.forId, feedback.value)
        return feedback_id


@cl.data_layer
def data_layer() -> SQLAlchemyDataLayer:
    """Chainlit's SQL data layer on the project's Postgres (tables from memory/migrations/0002), with element files
    (charts, attachments) kept by ``ui.storage`` so they come back after a reload."""
    storage = storage_client(get_settings())
    use_local_store(storage)
    return CortexDataLayer(conninfo=sqlalchemy_url(), storage_provider=storage)


@cl.password_auth_callback
async def login(username: str, password: str) -> cl.User | None:
    """A creator signs in with their own password (``cortex users create NAME``), or, with none set, the shared
    CORTEX_UI_PASSWORD while the service listens on loopback only (``agent.auth.login``)."""
    settings = get_settings()
    db = await get_database()
    creator = await auth.login(db.pool, username, password, shared_password=settings.ui_password.get_secret_value(),
                               host=settings.host)
    return cl.User(identifier=creator, metadata={"creator_id": creator}) if creator else None


@cl.set_starters
async def starters() -> list[cl.Starter]:
    """The example requests a new chat offers."""
    return [
        cl.Starter(label="Score my title", message="Score this title: I Built a Giant Lego Volcano"),
        cl.Starter(
            label="Outliers about space experiments",
            message="Show me outliers about space experiments from Mark Rober or Veritasium",
        ),
        cl.Starter(label="What works in personal finance?", message="What works in personal finance videos?"),
        cl.Starter(label="Compare two titles", message='Which is better: "I tried yoga for 30 days" or "30 days of yoga"?'),
    ]


@cl.on_chat_start
async def chat_start() -> None:
    """Nothing to prepare: the graph's checkpoint is keyed by the Chainlit thread id."""


@cl.on_chat_resume
async def chat_resume(thread: dict) -> None:
    """The thread's messages are in the LangGraph checkpoint and its charts in the file store (``ui.storage``);
    the buttons under generated titles are sent again (``restore_title_actions``), and Approve / Cancel when the
    thread still waits for an approval (``restore_approval``)."""
    await restore_title_actions(thread)
    db = await get_database()
    await restore_approval(persistent_graph(db), run_config(thread["id"], _creator()), thread)


def _creator() -> str:
    user = cl.user_session.get("user")
    return (user.metadata or {}).get("creator_id", user.identifier) if user else "anonymous"


@cl.action_callback("title_feedback")
async def on_title_feedback(action: cl.Action) -> None:
    """A feedback button under a generated title (``ui.render.TITLE_ACTIONS``): record the signal on that title
    of that generation (only one this creator was shown in this thread); Edit first asks for the new wording,
    Copy also shows the title in a code block (its copy button)."""
    creator, thread_id = _creator(), cl.context.session.thread_id
    signal, rank, generation_id = action.payload.get("signal"), action.payload.get("rank"), action.payload.get("generation_id")
    db = await get_database()
    choice = await shown_choice(db.pool, creator, thread_id, generation_id, rank)
    if choice is None:
        await cl.ErrorMessage(content="That title is not one you were shown in this conversation.").send()
        return
    edited = None
    if signal == "edit":
        try:
            answer = await cl.AskUserMessage(content=f"Your version of “{choice.title}”:", timeout=EDIT_TIMEOUT_S).send()
        finally:
            # Chainlit runs action callbacks over HTTP with no task around them, but its ask ends with a "task
            # started" signal: end it, or the page stays busy (Stop lit, input and buttons disabled)
            await cl.context.emitter.task_end()
        edited = (answer or {}).get("output", "").strip()
        if not edited:
            await cl.Message(content="No edit received: nothing recorded.").send()
            return
    try:
        recorded = await record_signal(db.pool, db.store, creator, thread_id, signal, choice, edited_title=edited,
                                       source="ui")
    except ValueError as exc:
        await cl.ErrorMessage(content=str(exc)).send()
        return
    reply = feedback_reply(signal, choice, recorded.row, recorded.actions, recorded.preferences is not None)
    if signal == "copy":
        reply = f"```text\n{choice.title}\n```\n{reply}"
    await cl.Message(content=reply, author="Titles").send()


@cl.action_callback(APPROVAL_ACTION)
async def on_approval(action: cl.Action) -> None:
    """Approve or Cancel under an approval request (``ui.render.offer_approval``): resume the thread with the
    decision and show the resumed run (``ui.render.resume_approval``), as a task the Stop button can cancel."""
    creator, thread_id = _creator(), cl.context.session.thread_id
    db = await get_database()
    if not await claim_or_owned(db.pool, thread_id, creator):
        await cl.ErrorMessage(content="This conversation belongs to another creator: start a new chat.").send()
        return
    context = CortexContext(creator_id=creator, db=db, settings=get_settings())
    task = asyncio.create_task(resume_approval(persistent_graph(db), action.payload.get("decision", "reject"),
                                               run_config(thread_id, creator), context))
    cl.context.session.current_task = task
    await cl.context.emitter.task_start()  # Chainlit runs action callbacks over HTTP, with no task of its own
    try:
        await task
    except asyncio.CancelledError:  # Stop: the thread was closed with the reason
        pass
    except Exception as exc:  # the creator sees what failed and what to do; the log keeps the trace
        log.exception("resuming an approval failed on thread %s", thread_id)
        await cl.ErrorMessage(content=f"Sorry, that run failed: {exc}. Try again, or rephrase the request.").send()
    finally:
        await cl.context.emitter.task_end()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Run the conversation graph on the creator's message and render it as it runs (asking for approval before
    actions with side effects). Attached Studio exports are offered for import first (``ui.attachments``); a message
    that was only an export then asks how the last videos did, which answers with the chart."""
    creator = _creator()
    thread_id = cl.context.session.thread_id
    db = await get_database()
    if not await claim_or_owned(db.pool, thread_id, creator):
        await cl.ErrorMessage(content="This conversation belongs to another creator: start a new chat.").send()
        return
    attached = read_attachments(message)
    imported = [await offer_import(db.pool, creator, name, path) for name, path in attached.exports]
    text = message.content.strip() or (DEFAULT_QUESTION if any(imported) else "")
    for refusal in attached.refusals:
        await cl.ErrorMessage(content=refusal).send()
    text += attached.text
    if not text.strip():
        return
    graph = persistent_graph(db)
    context = CortexContext(creator_id=creator, db=db, settings=get_settings())
    try:
        await render_turn(graph, text, run_config(thread_id, creator), context)
    except Exception as exc:  # the creator sees what failed and what to do; the log keeps the trace
        log.exception("run failed on thread %s", cl.context.session.thread_id)
        await cl.ErrorMessage(content=f"Sorry, that run failed: {exc}. Try again, or rephrase the request.").send()
