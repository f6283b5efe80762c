"""The model gateway's details: base URLs shown host-only, OpenRouter's attribution headers, and the model name a
custom OpenAI-compatible endpoint receives (as set, else the default's if the endpoint lists it, else the first it
lists), against a stand-in endpoint that answers GET /v1/models in the OpenAI API's shape."""

from __future__ import annotations

import pytest

from agent.models import OPENROUTER_BASE_URL, chat_model, endpoint_models, engine_label, host_only, model_name
from agent.settings import Settings

from support import JsonHandler, serve_http


class _Models(JsonHandler):
    """GET /v1/models: the ids in ``listed``, as the OpenAI API lists models."""

    listed: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.reply({"object": "list", "data": [{"id": m, "object": "model", "owned_by": "local"} for m in self.listed]},
                   200 if self.path == "/v1/models" else 404)


@pytest.fixture
def endpoint():
    server = serve_http(_Models)
    endpoint_models.cache_clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    endpoint_models.cache_clear()


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_base_urls_are_shown_host_only():
    assert host_only("https://user:s3cret@llm.example.com:8443/v1?key=abc") == "llm.example.com:8443"
    assert host_only("http://localhost/v1") == "localhost" and host_only(None) == ""
    label = engine_label(_settings(openai_api_key="sk-x", openai_base_url="https://u:pw@llm.example.com/v1?k=1",
                                   model_premium="llama3", engine="llm"))
    assert label == "llama3 via llm.example.com" and "pw" not in label and "k=1" not in label


def test_openrouter_gets_the_apps_attribution_headers():
    model = chat_model("fast", _settings(openrouter_api_key="sk-or-x", engine="llm", port=8123))
    assert model.openai_api_base == OPENROUTER_BASE_URL
    assert model.default_headers == {"HTTP-Referer": "http://127.0.0.1:8123", "X-Title": "Creator Cortex"}
    assert model.model_name == "openai/gpt-4o-mini"  # OpenRouter's vendor/model names go as set
    plain = chat_model("fast", _settings(openai_api_key="sk-x", engine="llm"))
    assert not plain.default_headers and plain.model_name == "gpt-4o-mini"  # OpenAI's own API: the bare name


def test_a_custom_endpoint_gets_a_model_it_serves(endpoint):
    _Models.listed = ["llama3.1:8b", "qwen2.5:7b"]
    custom = {"openai_api_key": "sk-x", "openai_base_url": endpoint, "engine": "llm"}
    assert endpoint_models(endpoint, "sk-x") == ("llama3.1:8b", "qwen2.5:7b")
    assert model_name(_settings(**custom), "premium") == "llama3.1:8b"  # the default is not served: the first listed
    assert chat_model("premium", _settings(**custom)).model_name == "llama3.1:8b"
    assert model_name(_settings(**custom, model_fast="qwen2.5:7b"), "fast") == "qwen2.5:7b"  # as set
    assert model_name(_settings(**custom, model_fast="mistral"), "fast") == "mistral"  # as set, even if unlisted
    endpoint_models.cache_clear()
    _Models.listed = ["gpt-4o", "gpt-4o-mini"]
    assert model_name(_settings(**custom), "premium") == "gpt-4o"  # the default's bare name, served


def test_an_endpoint_that_lists_nothing_gets_the_bare_default_name(endpoint):
    unreachable = endpoint.replace("/v1", "/nothing-here")
    assert endpoint_models(unreachable, "sk-x") == ()
    assert model_name(_settings(openai_api_key="sk-x", openai_base_url=unreachable, engine="llm"), "long") == "gpt-4o-mini"
