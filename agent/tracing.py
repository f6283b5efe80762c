"""Tracing to Langfuse: with LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY set, every conversation run carries
Langfuse's LangChain callback handler (``langfuse.langchain.CallbackHandler``, Langfuse SDK v3+), with the thread
as the Langfuse session and the creator as its user (the ``langfuse_session_id`` / ``langfuse_user_id`` run
metadata the handler reads). Without the keys nothing is imported, nothing is sent and nothing is logged.

``LANGFUSE_HOST`` points at a self-hosted Langfuse (default: Langfuse Cloud). A base module like agent.models:
agent/turns.py adds it to every run's config (``run_config``), so the chat UI, the API and the CLI trace.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from agent.settings import Settings, get_settings


@lru_cache(maxsize=4)
def _client(public_key: str, secret_key: str, host: str | None) -> Any:
    """The Langfuse client of these credentials (one per process: it batches and exports spans in the background
    and flushes them when the process exits)."""
    from langfuse import Langfuse

    return Langfuse(public_key=public_key, secret_key=secret_key, base_url=host)


def enabled(settings: Settings | None = None) -> bool:
    """Whether runs are traced: both Langfuse keys are set."""
    settings = settings or get_settings()
    return bool(settings.langfuse_public_key and settings.langfuse_secret_key)


def with_tracing(config: dict[str, Any], thread_id: str, creator_id: str, settings: Settings | None = None) -> dict:
    """``config`` (a RunnableConfig) with Langfuse's callback handler and the session (thread) and user (creator)
    metadata added, when tracing is enabled; else ``config`` unchanged."""
    settings = settings or get_settings()
    if not enabled(settings):
        return config
    public_key = settings.langfuse_public_key.get_secret_value()
    _client(public_key, settings.langfuse_secret_key.get_secret_value(), settings.langfuse_host)
    from langfuse.langchain import CallbackHandler

    return {
        **config,
        "callbacks": [*config.get("callbacks", []), CallbackHandler(public_key=public_key)],
        "metadata": {**config.get("metadata", {}), "langfuse_session_id": thread_id, "langfuse_user_id": creator_id},
    }


def flush() -> None:
    """Send the spans still buffered (the service calls it on shutdown); nothing when tracing never started."""
    if _client.cache_info().currsize:
        from langfuse import get_client

        get_client().flush()
