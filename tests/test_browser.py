"""The chat UI in a real headless Chromium against the real service (a `cortex serve` process)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest
from playwright.async_api import async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service(db):
    """`cortex serve` on a free port, sharing the session's Postgres (corpus already ingested)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    port = _free_port()
    env = {**os.environ, "CORTEX_AUTO_INGEST": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"cortex serve exited: {proc.stdout.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("cortex serve did not answer /health within 180 s")
    yield url
    proc.terminate()
    output, _ = proc.communicate(timeout=30)
    print(output)  # shown by pytest when a test of this module fails


async def _login(page, url: str, user: str) -> None:
    await page.goto(url)
    await page.fill("#email", user)
    await page.fill("#password", "cortex")
    await page.click("button[type=submit]")
    await page.locator("#chat-input").wait_for(timeout=30_000)


async def test_chat_answers_streams_steps_and_survives_reload(service):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _login(page, service, "volcano-fan")
        await page.locator("#chat-input").fill("Score this title: I Built a Giant Lego Volcano")
        await page.locator("#chat-submit").click()  # waits until the websocket is up and the button enabled
        try:
            await page.get_by_text("offline engine", exact=False).last.wait_for(timeout=90_000)
        finally:
            await page.screenshot(path="/tmp/browser-test.png")
        assert await page.get_by_text("How to improve").count() == 1
        assert await page.get_by_text("Used Run").count() == 1  # the steps of the run
        await page.wait_for_url("**/thread/*", timeout=10_000)
        thread_url = page.url

        await page.reload()
        await page.get_by_text("How to improve").wait_for(timeout=30_000)
        assert page.url == thread_url

        # another creator does not see this conversation
        other = await browser.new_page()
        await _login(other, service, "someone-else")
        assert await other.get_by_text("Score this title: I Built a Giant Lego Volcano").count() == 0
        await browser.close()
