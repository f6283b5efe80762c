"""The first ten minutes of a new creator, in a real headless Chromium against a real `cortex serve` on a fresh state
folder (an empty embedded Postgres: the service ingests the corpus while the page shows its progress).

Screenshots of each stage go to /tmp/first-run-*.png. Google's consent page cannot be reached from here: the test
follows the chat's link with the page's own session and checks the redirect to Google instead."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from agent.server import spawned_service

from support import CHROMIUM, CHROMIUM_ARGS, login

SHOTS = "/tmp/first-run-{}.png"


async def _send(page, text: str) -> None:
    await page.locator("#chat-input").fill(text)
    await expect(page.locator("#chat-submit")).to_be_enabled(timeout=60_000)  # an attachment is uploaded
    await page.locator("#chat-submit").click()


async def _idle(page) -> None:
    """The page is not busy: no Stop button, and the chat input takes a message."""
    await page.locator("#stop-button").wait_for(state="detached", timeout=30_000)
    assert await page.locator("#chat-input").is_editable()


async def test_first_run_from_start_up_to_a_reload(tmp_path, data_dir):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    srt = data_dir / "transcripts_3blue1brown" / "videos" / "2019_bayes-theorem" / "captions.srt"
    export = data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv"
    client = tmp_path / "client_secret.json"  # a 'Desktop app' OAuth client, as Google's console downloads it
    client.write_text(json.dumps({"installed": {
        "client_id": "cid-first-run.apps.googleusercontent.com", "client_secret": "GOCSPX-first-run",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
        "redirect_uris": ["http://localhost"]}}))
    fresh = {"CORTEX_PG_DATA_DIR": str(tmp_path / "pgdata"), "CORTEX_STATE_DIR": str(tmp_path / "state"),
             "CORTEX_AUTO_INGEST": "true", "CORTEX_ENGINE": "offline", "CORTEX_GOOGLE_CLIENT_SECRETS": str(client)}
    launched = time.monotonic()
    with spawned_service(fresh, timeout_s=60, ready=False) as served:
        port_s = time.monotonic() - launched
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})

            # start-up: the page says what is happening, not a dead port or an error
            await page.goto(served.url)
            await page.get_by_text("Getting ready").wait_for(timeout=10_000)
            assert await page.get_by_text("Creator Cortex").count() >= 1
            await page.screenshot(path=SHOTS.format("1-starting"))
            deadline = time.monotonic() + 600
            while httpx.get(f"{served.url}/health", timeout=10).status_code != 200:
                assert time.monotonic() < deadline, "the service did not get ready in 10 minutes"
                time.sleep(1)
            ready_s = time.monotonic() - launched

            # the page reloads itself into the login
            await page.get_by_text("Creator name").first.wait_for(timeout=30_000)
            await login(page, served.url, "first-run")
            await _send(page, "Score this title: I Built a Giant Lego Volcano")
            await page.get_by_text("How to improve").last.wait_for(timeout=180_000)  # (also in the open step)
            answer_s = time.monotonic() - launched
            await _idle(page)
            # the steps collapse once the run is done (within seconds of the answer on a busy machine)
            await expect(page.get_by_text("How to improve")).to_have_count(1, timeout=30_000)
            await page.screenshot(path=SHOTS.format("2-scored"))

            # an SRT attached: hooks and titles, each with its buttons
            await page.set_input_files("#upload-button-input", str(srt))
            await page.get_by_text("captions.srt").first.wait_for(timeout=30_000)
            await _send(page, "write titles for this")
            await page.get_by_role("button", name="Save").first.wait_for(timeout=240_000)
            await _idle(page)

            # Edit asks for the new wording, records it, and leaves the page ready for the next message
            await page.get_by_role("button", name="Edit").first.click()
            await page.get_by_text("Your version of").wait_for(timeout=30_000)
            await _send(page, "Bayes Theorem Finally Made Sense To Me")
            await page.get_by_text("Bayes Theorem Finally Made Sense To Me").last.wait_for(timeout=30_000)
            await page.get_by_text("Noted").first.wait_for(timeout=60_000)
            await _idle(page)
            await page.get_by_role("button", name="Save").nth(1).click()
            await page.get_by_text("Noted: you saved").wait_for(timeout=60_000)
            await _idle(page)
            await page.screenshot(path=SHOTS.format("3-titles"))

            # no analytics yet: the answer offers the Studio export and Google's consent page (PKCE, this service's
            # callback); Google itself is out of reach, so the browser's request to it is answered here
            await _send(page, "how did my last video do?")
            link = page.get_by_role("link", name="open Google's consent page").last  # (also in the open step)
            await link.wait_for(timeout=120_000)
            await _idle(page)
            await page.screenshot(path=SHOTS.format("4-connect"))
            assert await link.get_attribute("href") == "/connect/youtube"
            consent = await page.request.get(f"{served.url}/connect/youtube", max_redirects=0)  # the page's cookies
            assert consent.status == 303
            query = parse_qs(urlsplit(consent.headers["location"]).query)
            assert query["client_id"] == ["cid-first-run.apps.googleusercontent.com"]
            assert query["redirect_uri"] == [f"{served.url}/connect/youtube/callback"]
            assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]

            # the Ken Jee Studio export: recognised by its content, previewed, imported once confirmed, then charted
            hooks = await page.get_by_text("Hooks").count()  # the transcript's answer
            await page.set_input_files("#upload-button-input", str(export))
            await page.get_by_text("Aggregated_Metrics_By_Video.csv").first.wait_for(timeout=30_000)
            await page.locator("#chat-submit").click()
            await page.get_by_text("is a YouTube Studio export: 223 videos").wait_for(timeout=60_000)
            await page.get_by_role("button", name="Import").click()
            await page.get_by_text("Which channel is this export from?").wait_for(timeout=30_000)
            await _send(page, "Ken Jee")
            await page.get_by_text("Imported 223 videos of “Ken Jee”").wait_for(timeout=60_000)
            chart = page.locator(".js-plotly-plot")
            await chart.first.wait_for(timeout=180_000)
            await _idle(page)
            assert await page.get_by_text("Hooks").count() == hooks  # the export was not read as a transcript
            await page.screenshot(path=SHOTS.format("5-chart"))

            # a reload keeps the chart and the buttons under the titles
            await page.wait_for_url("**/thread/*", timeout=10_000)
            await page.reload()
            await page.get_by_text("Imported 223 videos").wait_for(timeout=60_000)
            await chart.first.wait_for(timeout=60_000)
            await page.get_by_role("button", name="Save").first.wait_for(timeout=30_000)
            await page.screenshot(path=SHOTS.format("6-reloaded"))
            await browser.close()
    print(f"port answered {port_s:.1f} s, ready {ready_s:.1f} s, first scored title {answer_s:.1f} s after launch")
