"""The chat UI in a real headless Chromium against the real service (a `cortex serve` process)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.async_api import async_playwright, expect

from agent.server import spawned_service
from tools.titles.fluency import check_title

from support import CHROMIUM, CHROMIUM_ARGS, login


@pytest.fixture(scope="module")
def service(db):
    """`cortex serve` on a free port, sharing the session's Postgres (corpus already ingested)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    # the first service of a test session distills the static embedding tier (~16 s idle, minutes on a loaded machine)
    with spawned_service({"CORTEX_AUTO_INGEST": "false"}, timeout_s=600) as served:
        yield served.url
    print(served.output)  # shown by pytest when a test of this module fails


async def test_chat_answers_streams_steps_and_survives_reload(service):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(service)
        await page.get_by_text("Creator name").first.wait_for(timeout=30_000)  # the login asks for a creator name
        assert await page.get_by_text("Email address").count() == 0
        await page.screenshot(path="/tmp/browser-login.png")
        await login(page, service, "volcano-fan")
        await page.locator("#chat-input").fill("Score this title: I Built a Giant Lego Volcano")
        await page.locator("#chat-submit").click()  # waits until the websocket is up and the button enabled
        try:
            await page.get_by_text("offline engine", exact=False).last.wait_for(timeout=90_000)
        finally:
            await page.screenshot(path="/tmp/browser-test.png")
        await page.locator("#stop-button").wait_for(state="detached", timeout=30_000)  # the run is over
        # its steps collapse once the run is done (the update can land just after the Stop button goes)
        await expect(page.get_by_text("How to improve")).to_have_count(1, timeout=30_000)
        assert await page.get_by_text("Used Run").count() == 1  # the steps of the run
        await page.locator("button.positive-feedback-off").last.click()  # thumbs up on the answer, through the
        async with page.expect_response(lambda r: r.url.endswith("/feedback")) as rated:  # ownership check
            await page.get_by_text("Submit feedback").click()
        assert (await rated.value).status == 200
        await page.wait_for_url("**/thread/*", timeout=10_000)
        thread_url = page.url

        await page.reload()
        await page.get_by_text("How to improve").wait_for(timeout=30_000)
        assert page.url == thread_url

        # another creator does not see this conversation
        other = await browser.new_page()
        await login(other, service, "someone-else")
        assert await other.get_by_text("Score this title: I Built a Giant Lego Volcano").count() == 0
        opened = await other.goto(thread_url)  # not even by its address
        assert opened.status == 404 and await other.get_by_text("Conversation not found").count() == 1
        await browser.close()


TITLE_LINE = re.compile(r"^(\d+)\.\s+(\S.{10,})$", re.MULTILINE)
"""A title as the chat shows it under the answer, each with its buttons: "1. <title>"."""


@pytest.mark.parametrize("kind", ["srt", "pasted", "topic"])
async def test_titles_in_the_chat_are_eight_complete_on_topic_titles(service, data_dir, kind):
    """An attached SRT, a pasted plain transcript and a described idea each give at least 8 titles that pass the
    fluency guard and name what the video is about. Screenshots: /tmp/i16-{srt,pasted,topic}.png."""
    folder = data_dir / "transcripts_3blue1brown" / "videos" / "2018_fourier-transforms"
    about = {"srt": "fourier", "pasted": "fourier", "topic": "budget"}[kind]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 2400})
        await login(page, service, f"titles-{kind}")
        if kind == "srt":
            message = "write titles for this"
        elif kind == "pasted":
            message = "Here's my transcript, write titles for it: " + (folder / "transcript.txt").read_text(encoding="utf-8")
        else:
            message = "10 title ideas for a video where I test 5 budgeting apps for a month"
        await page.locator("#chat-input").fill(message)
        await expect(page.locator("#chat-submit")).to_be_enabled(timeout=60_000)  # the chat's websocket is up
        if kind == "srt":  # Chainlit refuses an upload for a session whose websocket is not up yet (404)
            async with page.expect_response(lambda r: "/project/file" in r.url) as uploaded:
                await page.set_input_files("#upload-button-input", str(folder / "captions.srt"))
            assert (await uploaded.value).status == 200
            await expect(page.locator("#chat-submit")).to_be_enabled(timeout=60_000)
        await page.locator("#chat-submit").click()
        try:
            await page.get_by_role("button", name="Save").nth(7).wait_for(timeout=300_000)
            await page.locator("#stop-button").wait_for(state="detached", timeout=60_000)
        finally:
            await page.screenshot(path=f"/tmp/i16-{kind}.png", full_page=True)
        shown = [m.group(2).strip() for m in TITLE_LINE.finditer(await page.inner_text("#root"))]
        await browser.close()
    assert len(shown) >= 8, shown
    for title in shown:
        assert check_title(title).ok, (title, check_title(title).problems)
    assert sum(about in t.lower() for t in shown) >= 6, shown  # on topic: most name the video's subject


TOOL_NAMES = ("check_idea", "develop_hooks", "outline_script", "generate_titles", "check_promise", "score_title",
              "title_outcomes", "search_outliers")
"""Internal names a creator must never read in an answer."""
IDEA_ROW = re.compile(r"^(.+?)\t(.+?)\t(\d+(?:\.\d)?)x\t", re.MULTILINE)
"""An outlier row of the idea check's table as the page's text gives it: title, channel, multiplier."""


@pytest.mark.timeout(1800)  # five turns, one of them titles from a whole transcript, on a loaded machine
async def test_pre_production_flow_idea_hooks_outline_titles_promise(service, db, data_dir, tmp_path):
    """A creator goes from an idea to its promise check in the chat, typing as a creator would, with one of Nischa's
    real transcripts (“How to invest your first $1000”) as the draft: each answer shows real outliers with their real
    multipliers, five hooks of five kinds, an outline to 12:00, titles with their promise check, and a title from
    another of her videos flagged; no internal tool name anywhere. Screenshots: /tmp/i23-flow-N.png."""
    from memory.corpus.channels import channel_videos
    from tools.learning.transcripts import load_channel_videos

    draft = next(v for v in load_channel_videos(data_dir, "Nischa") if v.title == "How to invest your first $1000")
    attachment = tmp_path / "draft.txt"
    attachment.write_text(draft.text, encoding="utf-8")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 2400})
        await login(page, service, "preproduction-maya")

        async def say(n: int, message: str, answered, attach=None) -> str:
            await page.locator("#chat-input").fill(message)
            await expect(page.locator("#chat-submit")).to_be_enabled(timeout=60_000)
            if attach:
                async with page.expect_response(lambda r: "/project/file" in r.url) as uploaded:
                    await page.set_input_files("#upload-button-input", str(attach))
                assert (await uploaded.value).status == 200
                await expect(page.locator("#chat-submit")).to_be_enabled(timeout=60_000)
            await page.locator("#chat-submit").click()
            try:
                await expect(answered).not_to_have_count(0, timeout=300_000)
                await page.locator("#stop-button").wait_for(state="detached", timeout=120_000)
                await expect(page.get_by_text("Using Run")).to_have_count(0, timeout=30_000)
                # the run's steps (its trace, tool names included, for whoever opens them) collapse once it is done:
                # what is left is what the creator reads
                await expect(page.get_by_text("Used Model")).to_have_count(0, timeout=60_000)
            finally:
                await page.screenshot(path=f"/tmp/i23-flow-{n}.png", full_page=True)
            return await page.inner_text("#root")

        text = await say(1, "is a video about saving money worth making for my channel Nischa?",
                         page.get_by_text("Crowding:"))
        rows = IDEA_ROW.findall(text)
        assert rows, text[-3000:]
        real = {(v["channel"], v["title"]): v["outlier_multiplier"]
                for v in await channel_videos(db.pool, sorted({c.strip() for _, c, _ in rows}))}
        for title, channel, multiplier in rows:  # real outliers, with their real multipliers
            assert real[(channel.strip(), title.strip())] == pytest.approx(float(multiplier), abs=0.06)

        text = await say(2, "ok, now give me a few intro hooks for it", page.get_by_text("Five intro hooks for"))
        for kind in ("Question", "Stakes", "Surprising fact", "Story", "Demonstration"):
            assert re.search(rf"{kind} · strength \d+(\.\d)?/10", text), kind

        text = await say(3, "and outline it as a 12 minute video", page.get_by_text(re.compile(r"Outline: .+, 12 minutes")))
        assert "12:00" in text and "Hook" in text

        header = page.get_by_text("Does the video keep each title's promise early?")
        text = await say(4, "here's my draft script, write titles for it", page.get_by_role("button", name="Save"),
                         attach=attachment)
        await expect(header).to_have_count(1, timeout=60_000)
        shown = [m.group(2).strip() for m in TITLE_LINE.finditer(text)]
        assert len(shown) >= 5 and all(check_title(t).ok for t in shown), shown
        assert re.search(r"kept early|comes late|never kept", text)

        text = await say(5, "does my video deliver what the title “How to Buy a Tesla Half Price” promises?",
                         header.nth(1))
        assert re.search(r"How to Buy a Tesla Half Price\s+never kept", text), text[-2000:]
        await browser.close()
    for name in TOOL_NAMES:
        assert name not in text, name
