"""Memory per creator through the real graph, store and HTTP API: feedback in the chat changes the learned
preferences after 5 reactions and the ranking of the next generation of the same transcript; "what have you
learned about me?" shows it; Creator DNA built from real transcripts reaches generation; nothing of one creator
is visible to another (graph and HTTP); `forget` removes everything of one creator and leaves the others."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from langchain_core.messages import ToolMessage
from typer.testing import CliRunner

from agent import auth
from agent.turns import run_config, run_turn
from graphs.conversation import build_graph
from memory.db import get_database
from memory.learning import feedback_events, get_block
from tools.base import CortexContext

from support import CHROMIUM, CHROMIUM_ARGS, in_process, login, user

ALICE, BOB, CAROL = "memory-alice", "memory-bob", "memory-carol"


@pytest.fixture(scope="module")
def graph(db):
    return build_graph(db.checkpointer, db.store)


@pytest.fixture(scope="module")
def transcript(data_dir) -> str:
    return (data_dir / "transcripts_3blue1brown" / "videos" / "2016_brachistochrone" / "captions.srt").read_text()


async def turn(graph, thread: str, creator: str, text: str, approve: bool = True) -> list:
    """One turn in ``thread``, owned by ``creator``, through the drivers' turn runner (approving or declining any
    approval request); returns the tool messages of this turn."""
    config = run_config(thread, creator)
    await auth.claim_thread((await get_database()).pool, thread, creator)
    before = len((await graph.aget_state(config)).values.get("messages", []))

    async def drain(stream) -> None:
        async for _ in stream:
            pass

    async def answer(request) -> dict:
        return {"decisions": [{"type": "approve" if approve else "reject"}] * len(request["action_requests"])}

    result = await run_turn(graph, {"messages": [("user", text)]}, config, CortexContext(creator_id=creator),
                            on_stream=drain, stream_modes=["updates"], stopped="the test stopped", on_approval=answer)
    return [m for m in result.messages[before:] if isinstance(m, ToolMessage)]


def result(messages: list, name: str) -> ToolMessage:
    found = [m for m in messages if m.name == name]
    assert found, f"no {name} call in {[m.name for m in messages]}"
    return found[-1]


async def test_feedback_teaches_preferences_that_rerank_the_next_generation(graph, transcript, db):
    first = result(await turn(graph, str(uuid.uuid4()), ALICE, f"Give me title ideas for this video\n\n{transcript}"),
                   "generate_titles").artifact
    shown = first["shown"]
    judged = {t["candidate"]["title"]: t["candidate"] for t in first["titles"]}
    assert first["memory"] == [] and first["personalized"] == []  # nothing learned yet
    views = [e for e in await feedback_events(db.pool, ALICE) if e["signal"] == "view"]
    assert [e["title"] for e in views] == shown and {e["generation_id"] for e in views} == {first["generation_id"]}

    # The creator likes one angle and rejects another: 5 reactions in the chat, on the same thread.
    thread = str(uuid.uuid4())
    gen = result(await turn(graph, thread, ALICE, f"write titles for this\n\n{transcript}"), "generate_titles").artifact
    assert gen["shown"] == shown  # same input, same memory: same order
    angles = [judged[t]["angle"] for t in shown]
    # an angle with two titles shown, not the first one's (so learning it has somewhere to move them)
    liked_angle = next((a for a in reversed(angles) if angles.count(a) >= 2 and a != angles[0]), None)
    assert liked_angle, f"no angle with two shown titles: {angles}"
    liked = [i + 1 for i, t in enumerate(shown) if judged[t]["angle"] == liked_angle][:2]
    disliked = [i + 1 for i, t in enumerate(shown) if judged[t]["angle"] != liked_angle][:2]
    assert liked and disliked
    requests = [(f"save number {n}", "save") for n in liked] + [(f"reject number {n}", "reject") for n in disliked]
    requests += [(f"I changed #{liked[0]} to 'Why the Fastest Path Is Never Straight'", "edit")]
    requests += [(f"thumbs up on number {liked[0]}", "thumbs_up")] * 5
    replies = []
    for text, _ in requests[:5]:
        replies.append(result(await turn(graph, thread, ALICE, text), "record_feedback"))
    assert [r.artifact["signal"] for r in replies] == [signal for _, signal in requests[:5]]
    assert all(r.artifact["generation_id"] == gen["generation_id"] for r in replies)
    rebuilt = [r.artifact["rebuilt"] for r in replies]
    assert rebuilt[-1] is True and not any(rebuilt[:-1])  # learned after the 5th reaction, not before
    prefs = await get_block(db.store, ALICE, "preferences")
    assert prefs and any(liked_angle in p["label"] for p in prefs["preferred"])

    shown_memory = result(await turn(graph, str(uuid.uuid4()), ALICE, "what have you learned about me?"), "show_memory")
    assert "preferences" in shown_memory.artifact["blocks"] and liked_angle in shown_memory.content

    again = result(await turn(graph, str(uuid.uuid4()), ALICE, f"Give me title ideas for this video\n\n{transcript}"),
                   "generate_titles").artifact
    assert "preferences" in again["memory"]
    assert again["shown"] and again["shown"] != shown  # the same input, a different order
    moved = [m for m in again["personalized"] if m["new_rank"] < m["old_rank"]]
    lifted = [m for m in moved if m["adjustment"] > 0]  # others move up only because titles above them fell
    assert lifted and all(m["reasons"] for m in lifted)  # every lift is explained
    up = {m["title"] for m in moved}
    assert any(judged.get(t, {}).get("angle") == liked_angle for t in up)


async def test_creator_dna_from_real_transcripts_reaches_generation(graph, transcript, db):
    built = result(await turn(graph, str(uuid.uuid4()), CAROL, "Learn my voice from my channel 3Blue1Brown"),
                   "learn_voice")
    assert built.artifact["transcripts"] > 50 and "Creator DNA" in built.content
    assert (await get_block(db.store, CAROL, "profile"))["channel"] == "3Blue1Brown"
    gen = result(await turn(graph, str(uuid.uuid4()), CAROL, f"write titles for this\n\n{transcript}"),
                 "generate_titles")
    assert gen.artifact["memory"] == ["dna"]  # 3Blue1Brown's uploads are not in the corpus: no performance memory
    assert any(m["reasons"] for m in gen.artifact["personalized"]) and "Ranked for you" in gen.content

    # Naming a channel of the corpus adds its performance: best/worst uploads and the patterns that lift it.
    named = result(await turn(graph, str(uuid.uuid4()), CAROL, f"titles for my channel Nischa\n\n{transcript}"),
                   "generate_titles")
    assert named.artifact["memory"] == ["dna", "performance"] and "memory used: dna, performance" in named.content


async def test_one_creators_memory_is_invisible_to_another(graph, db, app, transcript):
    # Bob has no memory, whatever Alice and Carol taught the product (the tests above, or this one alone).
    await turn(graph, str(uuid.uuid4()), ALICE, "Learn my voice from my channel Nischa")
    seen = result(await turn(graph, str(uuid.uuid4()), BOB, "what have you learned about me?"), "show_memory")
    assert seen.artifact["blocks"] == [] and seen.artifact["actions"] == 0
    assert "**Creator DNA**: not built yet" in seen.content and "investing" not in seen.content  # not Alice's DNA
    gen = result(await turn(graph, str(uuid.uuid4()), BOB, f"write titles for this\n\n{transcript}"),
                 "generate_titles").artifact
    assert gen["memory"] == [] and gen["personalized"] == []

    # Over HTTP, with Bob's API key: the same answer; Alice's threads are 404.
    key = (await auth.create_key(db.pool, BOB, label="memory tests"))[1]
    client = in_process(app, key)
    thread = await client.threads.create()
    values = await client.runs.wait(thread["thread_id"], "agent", input=user("what have you learned about me?"))
    tool = next(m for m in values["messages"] if m["type"] == "tool")
    assert tool["name"] == "show_memory" and tool["artifact"]["blocks"] == []
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT thread_id FROM thread_owners WHERE creator_id = %s LIMIT 1", (ALICE,))
        alice_thread = (await cur.fetchone())["thread_id"]
    with pytest.raises(httpx.HTTPStatusError) as denied:
        await client.threads.get_state(alice_thread)
    assert denied.value.response.status_code == 404


async def test_forget_removes_everything_of_one_creator_only(graph, db, transcript):
    gone, kept = "memory-forget-me", "memory-keep-me"
    for creator in (gone, kept):
        thread = str(uuid.uuid4())
        await turn(graph, thread, creator, f"write titles for this\n\n{transcript}")
        await turn(graph, thread, creator, "save the first one")
        await turn(graph, thread, creator, "I'm using the second one")
        await turn(graph, str(uuid.uuid4()), creator, "Learn my voice from my channel Nischa")
        await auth.create_key(db.pool, creator, label="forget test")

    async def kept_for(creator: str) -> dict[str, int]:
        async with db.pool.connection() as conn:
            counts = {}
            for table in ("feedback_events", "thread_owners", "api_keys", "title_choices"):
                cur = await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE creator_id = %s", (creator,))
                counts[table] = (await cur.fetchone())["n"]
            cur = await conn.execute("SELECT count(*) AS n FROM checkpoints WHERE thread_id IN "
                                     "(SELECT thread_id FROM thread_owners WHERE creator_id = %s)", (creator,))
            counts["checkpoints"] = (await cur.fetchone())["n"]
        counts["store"] = len(await db.store.alist_namespaces(prefix=("creators", creator)))
        return counts

    before = await kept_for(kept)
    assert all(before.values()), before
    runner = CliRunner()
    from agent.cli import app as cli

    out = await asyncio.to_thread(runner.invoke, cli, ["forget", "--creator", gone, "--yes"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "feedback events" in out.output and "threads" in out.output
    after = await kept_for(gone)
    assert not any(after.values()), after
    assert await kept_for(kept) == before  # the other creator is intact


async def test_title_buttons_in_the_browser_record_feedback(db, data_dir):
    """A real Chromium against a real `cortex serve`: titles come with buttons; Save records a "ui" event on that
    title of that generation."""
    import os

    from playwright.async_api import async_playwright

    from agent.server import spawned_service

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    creator = f"memory-browser-{uuid.uuid4().hex[:8]}"
    script = (data_dir / "transcripts_3blue1brown" / "videos" / "2019_bayes-theorem" / "transcript.txt").read_text()
    with spawned_service({"CORTEX_AUTO_INGEST": "false"}) as served:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await login(page, served.url, creator)
            await page.locator("#chat-input").fill(f"write titles for this\n\n{script}")
            await page.locator("#chat-submit").click()
            save = page.get_by_role("button", name="Save").first
            await save.click(timeout=120_000)
            await page.get_by_text("Noted: you saved").wait_for(timeout=60_000)
            await browser.close()
    events = await feedback_events(db.pool, creator)
    views = [e for e in events if e["signal"] == "view"]
    saved = [e for e in events if e["signal"] == "save"]
    assert views and len(saved) == 1
    assert saved[0]["source"] == "ui" and saved[0]["candidate_rank"] == 1
    assert saved[0]["title"] == views[0]["title"] and saved[0]["generation_id"] == views[0]["generation_id"]
    assert saved[0]["candidate"]["candidate"]["title"] == saved[0]["title"]


async def test_chainlit_thumbs_on_a_titles_answer_rate_that_generation(db):
    """Chainlit's feedback on the answer that showed titles (its step metadata names the generation) is a
    thumbs signal on that generation; on any other message it is only Chainlit's row."""
    from chainlit.types import Feedback

    from memory.db import sqlalchemy_url
    from ui.app import CortexDataLayer

    creator, thread, user_id = "memory-thumbs", str(uuid.uuid4()), str(uuid.uuid4())
    titled, plain = str(uuid.uuid4()), str(uuid.uuid4())
    async with db.pool.connection() as conn:
        await conn.execute('INSERT INTO users (id, identifier, metadata) VALUES (%s, %s, %s)', (user_id, creator, "{}"))
        await conn.execute('INSERT INTO threads (id, "userId", "userIdentifier") VALUES (%s, %s, %s)',
                           (thread, user_id, creator))
        for step, meta in ((titled, '{"generation_id": "call_gen1"}'), (plain, "{}")):
            await conn.execute('INSERT INTO steps (id, name, type, "threadId", streaming, metadata) '
                               "VALUES (%s, 'Assistant', 'assistant_message', %s, false, %s)", (step, thread, meta))
    layer = CortexDataLayer(conninfo=sqlalchemy_url())
    await layer.upsert_feedback(Feedback(forId=titled, threadId=thread, value=0))
    await layer.upsert_feedback(Feedback(forId=plain, threadId=thread, value=1))
    events = await feedback_events(db.pool, creator)
    assert [(e["signal"], e["generation_id"], e["title"], e["source"]) for e in events] == [
        ("thumbs_down", "call_gen1", None, "ui")]
    async with db.pool.connection() as conn:
        cur = await conn.execute('SELECT count(*) AS n FROM feedbacks WHERE "threadId" = %s', (thread,))
        assert (await cur.fetchone())["n"] == 2  # Chainlit's own rows are kept too


async def test_what_you_learned_counts_titles_and_names_the_imported_channel(graph, db, data_dir):
    """The titles seen and reacted to are counted per title (a title acted on twice is one title; a thumbs on a
    whole answer is a reaction on no title), and a Studio export imported for the creator shows up with its CTR."""
    from memory.learning import insert_feedback, record_views
    from tools.analytics.sources import import_studio_export

    dana, thread = f"memory-dana-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    await record_views(db.pool, dana, thread, "call_g1", [(1, "First Title", None), (2, "Second Title", None),
                                                           (3, "Third Title", None)])
    await record_views(db.pool, dana, thread, "call_g2", [(1, "First Title", None)])  # shown again, new generation
    for signal, title, gen in (("save", "First Title", "call_g1"), ("copy", "First Title", "call_g1"),
                               ("reject", "Third Title", "call_g1"), ("thumbs_up", None, "call_g2")):
        await insert_feedback(db.pool, creator_id=dana, thread_id=thread, signal=signal, title=title,
                              generation_id=gen)
    export = data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv"
    await import_studio_export(db.pool, export, dana, "Ken Jee")

    seen = result(await turn(graph, str(uuid.uuid4()), dana, "what have you learned about me?"), "show_memory")
    assert (seen.artifact["seen"], seen.artifact["reacted"], seen.artifact["actions"]) == (4, 2, 4)
    assert "I've shown you 4 generated title(s); you reacted to 2 of them (4 reaction(s)" in seen.content
    assert "**Ken Jee**: 223 videos from a YouTube Studio export" in seen.content
    assert "best CTR: “Why I Quit Data Science”" in seen.content  # its highest CTR (8.62 %), as pull_analytics says
    assert [c["name"] for c in seen.artifact["channels"]] == ["Ken Jee"]
