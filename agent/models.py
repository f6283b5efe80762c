"""The model gateway: every model call goes through ``chat_model(tier)``.

Tiers (names in settings): ``premium`` (generation), ``long`` (long transcripts), ``fast`` (classification,
judge). Any OpenAI-compatible endpoint through langchain-openai: OpenRouter when OPENROUTER_API_KEY is set,
else OPENAI_API_KEY with an optional OPENAI_BASE_URL. Retries (the OpenAI client's exponential backoff on
429/5xx/timeouts, ``CORTEX_LLM_MAX_RETRIES``) and a timeout (``CORTEX_LLM_TIMEOUT_S``) per request; token
usage is counted per call by ``UsageRecorder``. With no key the offline engine answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import openai
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import LLMResult

from agent.settings import Settings, get_settings

Tier = Literal["premium", "long", "fast"]
OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
OFFLINE_LABEL = "offline engine (no LLM: a trained intent model routes, answers written from tool results)"


APP_TITLE = "Creator Cortex"
"""The app's name in OpenRouter's attribution header (X-Title)."""
MODELS_TIMEOUT_S = 5.0
"""How long a custom endpoint's GET /models may take before the configured names are used as they are."""


def host_only(url: str | None) -> str:
    """The host (and port) of ``url``, without scheme, credentials, path or query: how base URLs are shown (health,
    answers, logs), so a URL carrying a key or a password never leaks. '' for None."""
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"//{url}")
    return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")


@cache
def endpoint_models(base_url: str, api_key: str) -> tuple[str, ...]:
    """The model ids an OpenAI-compatible endpoint lists (GET {base_url}/models, the OpenAI API's list shape
    {"data": [{"id": ...}]}), in its order; () when it does not answer within MODELS_TIMEOUT_S or lists none.
    Asked once per endpoint and process (the service asks at start-up, in a worker thread)."""
    try:
        response = httpx.get(base_url.rstrip("/") + "/models", headers={"Authorization": f"Bearer {api_key}"},
                             timeout=MODELS_TIMEOUT_S)
        response.raise_for_status()
        return tuple(str(m["id"]) for m in response.json().get("data", []) if isinstance(m, dict) and m.get("id"))
    except (httpx.HTTPError, ValueError, TypeError, AttributeError):
        return ()


def model_name(settings: Settings, tier: Tier) -> str:
    """The model name a tier sends: OpenRouter takes 'vendor/model' as set; OpenAI's own API the bare name; a custom
    endpoint (OPENAI_BASE_URL) the name as set when CORTEX_MODEL_<TIER> was set, else the default's bare name if the
    endpoint lists it, else the first model it lists (``endpoint_models``)."""
    field_name = f"model_{tier}"
    name = getattr(settings, field_name)
    if settings.openrouter_api_key:
        return name
    bare = name.removeprefix("openai/")
    if not settings.openai_base_url:
        return bare
    if field_name in settings.model_fields_set:  # set by the user: sent as written
        return name
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    listed = endpoint_models(settings.openai_base_url, key)
    if not listed or name in listed:
        return name if name in listed else bare
    return bare if bare in listed else listed[0]


def chat_model(tier: Tier = "premium", settings: Settings | None = None, engine: str | None = None) -> BaseChatModel:
    """The chat model of a tier: ChatOpenAI when an LLM is configured and wanted, else the offline engine.

    ``engine`` ("offline" | "llm" | None) overrides ``CORTEX_ENGINE`` for one run. Raises ValueError when
    "llm" is asked for and no key is set.
    """
    settings = settings or get_settings()
    use_llm = settings.use_llm if engine in (None, "auto") else engine == "llm"
    if use_llm and not settings.llm_configured:
        raise ValueError("The LLM engine needs OPENROUTER_API_KEY or OPENAI_API_KEY; unset it to use the offline engine.")
    if not use_llm:
        from agent.offline import OfflineEngine

        return OfflineEngine(threshold=settings.router_threshold)
    from langchain_openai import ChatOpenAI

    if settings.openrouter_api_key:
        key, base_url = settings.openrouter_api_key, OPENROUTER_BASE_URL
        # OpenRouter's app attribution (https://openrouter.ai/docs/api-reference/overview#headers)
        headers = {"HTTP-Referer": f"http://{settings.host}:{settings.port}", "X-Title": APP_TITLE}
    else:
        key, base_url, headers = settings.openai_api_key, settings.openai_base_url, None
    return ChatOpenAI(
        default_headers=headers,
        model=model_name(settings, tier),
        api_key=key,
        base_url=base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        temperature=0.2 if tier == "fast" else 0.7,
        stream_usage=True,
        metadata={"tier": tier},
    )


def llm_fault(exc: BaseException) -> str | None:
    """What went wrong with the LLM provider, in words a creator can act on; None when ``exc`` is not a provider
    fault. Faults: a rejected key (401/403), the rate limit (429), no answer in time or no connection, a server
    error (5xx or any other refusal), and malformed output (a response that is not the JSON or stream the OpenAI
    API defines: langchain's "No generations found in stream", a JSON decode error)."""
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "the LLM provider rejected the API key (check OPENROUTER_API_KEY or OPENAI_API_KEY)"
    if isinstance(exc, openai.RateLimitError):
        return "the LLM provider's rate limit was reached (retry in a minute)"
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return "the LLM provider did not answer in time"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM provider answered with an error (HTTP {exc.status_code})"
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError) or (
            isinstance(exc, ValueError) and "No generations found" in str(exc)):
        return "the LLM provider sent a malformed answer"
    return None


def engine_label(settings: Settings | None = None, engine: str | None = None) -> str:
    """Which engine answers, in words a user reads: the offline engine, or 'model via provider'."""
    settings = settings or get_settings()
    use_llm = settings.use_llm if engine in (None, "auto") else engine == "llm"
    if not use_llm:
        return OFFLINE_LABEL
    provider = "OpenRouter" if settings.openrouter_api_key else (host_only(settings.openai_base_url) or "OpenAI")
    return f"{model_name(settings, 'premium')} via {provider}"


@dataclass
class UsageRecorder(AsyncCallbackHandler):
    """Counts LLM calls and prompt/completion tokens (from ``usage_metadata``) across a run."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    per_call: list[dict[str, Any]] = field(default_factory=list)

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Count one call and its prompt and completion tokens (``usage_metadata`` of the generated message)."""
        self.calls += 1
        usage: dict[str, int] = {}
        for gens in response.generations:
            for gen in gens:
                msg = getattr(gen, "message", None)
                if msg is not None and getattr(msg, "usage_metadata", None):
                    usage = dict(msg.usage_metadata)
        self.prompt_tokens += usage.get("input_tokens", 0)
        self.completion_tokens += usage.get("output_tokens", 0)
        self.per_call.append(usage)
