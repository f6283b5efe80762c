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
    with spawned_service({"CORTEX_AUTO_INGEST": "false"}) as served:
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
