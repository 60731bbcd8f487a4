"""All configuration, read once from the environment (prefix-free names, `.env` allowed)."""

from __future__ import annotations

import ipaddress
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEFAULT_AI_PRICES",
    "DEFAULT_UPLOAD_TYPES",
    "ModelPrice",
    "Settings",
    "get_settings",
    "listen_url",
]

# Images, PDF, plain text / CSV / e-mail and the zip-based Office formats. Archives are left
# out by default (they hide their content from the type check); add "application/zip" to allow.
DEFAULT_UPLOAD_TYPES: tuple[str, ...] = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "message/rfc822",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)


class ModelPrice(BaseModel):
    """What one model costs, in US dollars per million tokens."""

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)


AI_PROVIDER_NAMES = ("openai", "anthropic", "local", "offline")
# The kinds of personal data ai/pii finds (ai.pii.entities.PiiKind; a test keeps them equal).
PII_KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "URL", "CRYPTO", "PERSON", "LOCATION")

# List prices of the default models (USD per 1M tokens); override or extend with AI_PRICES.
DEFAULT_AI_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(input=Decimal("0.15"), output=Decimal("0.60")),
    "text-embedding-3-small": ModelPrice(input=Decimal("0.02"), output=Decimal("0")),
    "claude-3-5-haiku-latest": ModelPrice(input=Decimal("0.80"), output=Decimal("4.00")),
    "extractive": ModelPrice(input=Decimal("0"), output=Decimal("0")),
}


class Settings(BaseSettings):
    """Everything AutoCRM reads from its environment.

    Secrets are `SecretStr`, so they print as `**********` in logs and reprs.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None, description="PostgreSQL ≥ 15 with pgvector; unset = embedded server."
    )
    data_dir: Path = Field(default=Path("autocrm-data"), description="Embedded database and files.")
    redis_url: SecretStr | None = None
    smtp_url: SecretStr | None = Field(
        default=None, description="smtp://user:pass@host:port; unset = mail stays in the outbox."
    )
    mail_from: str = "AutoCRM <no-reply@autocrm.local>"
    public_url: str = Field(
        default="", description="Base of links in e-mails; unset = http://HOST:PORT."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(
        default=1,
        ge=1,
        description="`serve` processes; with more than one, realtime events cross them "
        "through PostgreSQL LISTEN/NOTIFY (or Redis when REDIS_URL is set).",
    )

    secret_key: SecretStr | None = Field(
        default=None, description="Signs access tokens; generated into data_dir when unset."
    )
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    reset_token_minutes: int = 60
    invite_token_days: int = 7
    verify_token_hours: int = 48

    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS) and open the WebSocket.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (IPs or CIDRs) whose forwarding header names the client.",
    )
    forwarded_header: Literal["x-forwarded-for", "forwarded"] = Field(
        default="x-forwarded-for",
        description="The header the trusted proxies append the client's address to.",
    )
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_page_size: int = 100
    max_query_cost: int = Field(
        default=25_000,
        gt=0,
        description="Largest cost of one operation (objects it may return, pages multiplied).",
    )
    max_execution_seconds: float = Field(
        default=5.0, gt=0, description="Wall-clock budget of one query or mutation."
    )
    max_request_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest JSON request body (uploads excepted)."
    )
    max_json_depth: int = Field(
        default=64, gt=0, description="Deepest nesting of arrays and objects in a JSON body."
    )
    default_phone_region: str = Field(
        default="US", description="Region of phone numbers given without a +country code."
    )
    rate_limit: str = Field(default="600/minute", description="Per user (or address) limit.")
    login_rate_limit: str = "10/minute"
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="auto: JSON lines unless stderr is a terminal (then readable lines).",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="When set, GET /metrics needs `Authorization: Bearer <it>`."
    )

    max_upload_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="Largest attachment accepted, in bytes."
    )
    upload_allowed_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_UPLOAD_TYPES),
        description="Attachment types accepted, as detected from the content (not the name).",
    )
    download_link_minutes: int = Field(
        default=10, gt=0, description="How long an attachment's signed downloadUrl works."
    )
    # --- attachment storage (db/blobs.py) ---------------------------------------------
    blob_url: str | None = Field(
        default=None,
        description="s3://bucket/prefix: attachments in an S3-compatible store (the `s3` "
        "extra); unset = files under DATA_DIR/files.",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="MinIO, R2, Ceph … (unset = AWS S3 for S3_REGION)."
    )
    s3_region: str | None = None
    s3_access_key_id: SecretStr | None = Field(
        default=None, description="Unset = the AWS default chain (AWS_* variables, an IAM role)."
    )
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="`path` for MinIO and most self-hosted servers."
    )
    s3_part_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=5 * 1024 * 1024,
        description="Uploads larger than this go up as a multipart upload of parts this size.",
    )
    s3_downloads: Literal["redirect", "stream"] = Field(
        default="redirect",
        description="`redirect`: /files/<id> answers with a presigned S3 URL once it has "
        "authorised the caller; `stream`: the server relays the bytes (a bucket clients "
        "cannot reach).",
    )
    s3_link_seconds: int = Field(
        default=60, gt=0, le=3600, description="How long a presigned download URL works."
    )

    job_lease_seconds: float = Field(
        default=30.0, gt=0, description="A running job's lease; a worker silent this long is dead."
    )
    job_resend_seconds: float = Field(
        default=300.0, gt=0, description="Re-send a job still queued this long after its send."
    )

    # --- tools (ai/tools/) --------------------------------------------------------------
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Earlier SECRET_KEYs, still accepted to decrypt stored tool credentials "
        "(rotation: set the new SECRET_KEY, list the old one here).",
    )
    tool_egress_allowlist: list[str] = Field(
        default_factory=list,
        description="Hosts tools may call: api.example.com, *.example.com or host:port; a "
        "private address (127.0.0.1:8080) only when named with its port.",
    )
    tool_max_timeout_seconds: float = Field(
        default=30.0, gt=0, description="The longest timeout a tool manifest may ask for."
    )
    tool_max_output_bytes: int = Field(
        default=256 * 1024, gt=0, description="A tool's answer larger than this fails the run."
    )
    tool_python_path: list[str] = Field(
        default_factory=list,
        description="Folders `python` tools are imported from (their entry points' packages).",
    )
    tool_breaker_failures: int = Field(
        default=5, gt=0, description="Consecutive failures or timeouts that disable a tool."
    )
    ai_draft_tools: bool = Field(
        default=True,
        description="Let AI drafts run read-only tools (function calling with an LLM, the "
        "intent rule offline) and cite their results.",
    )
    ai_tool_rounds: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Most rounds of tool calls a model may ask for in one draft.",
    )
    ai_tool_calls_per_round: int = Field(
        default=4, ge=1, le=20, description="Most tool calls run in one round (the rest refused)."
    )
    ai_tool_deadline_seconds: float = Field(
        default=10.0, gt=0, description="One deadline for all the tool calls of a round."
    )

    # True when public_url was not configured and follows the listening address.
    _public_url_derived: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        if not self.public_url:
            self.public_url = listen_url(self.host, self.port)
            self._public_url_derived = True
        return self

    def listening_on(self, host: str, port: int) -> Settings:
        """These settings for a server on host:port (`serve --host/--port`): an unset
        PUBLIC_URL follows the address, so links in e-mails reach this server."""
        update: dict[str, object] = {"host": host, "port": port}
        if self._public_url_derived:
            update["public_url"] = listen_url(host, port)
        return self.model_copy(update=update)

    # --- AI gateway (ai/) -------------------------------------------------------------
    ai_providers: list[str] = Field(
        default_factory=lambda: ["offline"],
        description="Fallback chain, first choice first: openai, anthropic, local, offline.",
    )
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = Field(
        default=None, description="Unset = api.openai.com; any OpenAI-compatible server works."
    )
    openai_model: str = "gpt-4o-mini"
    openai_embedding_model: str = "text-embedding-3-small"
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-3-5-haiku-latest"
    ai_local_base_url: str | None = Field(
        default=None,
        description="A self-hosted OpenAI-compatible server (Ollama, llama.cpp, vLLM), "
        "e.g. http://127.0.0.1:11434/v1; the chain calls it `local`.",
    )
    ai_local_api_key: SecretStr | None = None
    ai_local_model: str = "llama3.1"
    ai_local_embedding_model: str = "nomic-embed-text"
    ai_first_token_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to wait for a first token before falling back."
    )
    ai_total_timeout: float = Field(
        default=60.0, gt=0, description="Seconds one gateway call may take, fallbacks included."
    )
    ai_max_output_tokens: int = Field(default=1024, gt=0)
    ai_prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description='USD per 1M tokens by model, as JSON: {"model": {"input": 0.15, '
        '"output": 0.6}}; merged over the defaults for the default models.',
    )
    ai_cache_ttl: int = Field(
        default=3600, ge=0, description="Seconds an identical request is answered from cache."
    )
    ai_cache_size: int = Field(default=2048, gt=0, description="In-process cache entries.")
    ai_user_requests_per_minute: int = Field(default=30, ge=0, description="0 = unlimited.")
    ai_user_tokens_per_day: int = Field(default=200_000, ge=0, description="0 = unlimited.")
    ai_api_key_requests_per_minute: int = Field(default=60, ge=0, description="0 = unlimited.")
    ai_api_key_tokens_per_day: int = Field(default=1_000_000, ge=0, description="0 = unlimited.")
    ai_installation_requests_per_minute: int = Field(default=600, ge=0)
    ai_installation_tokens_per_day: int = Field(default=10_000_000, ge=0)
    ai_auto_draft: bool = Field(
        default=False,
        description="Draft an AI reply (job ai.draft_reply) whenever a customer opens a "
        "ticket or adds a message.",
    )
    pii_mode: Literal["off", "patterns", "ner"] = Field(
        default="patterns",
        description="Redaction of text sent to providers outside the machine: off; patterns "
        "(e-mail, phone, card, IBAN, IP, URL, crypto wallet); ner (also names and places, "
        "needs the pii-ner extra).",
    )
    pii_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description='Score cut per kind, as JSON, over the defaults: {"PHONE": 0.5}. Kinds: '
        "EMAIL, PHONE, CARD, IBAN, IP, URL, CRYPTO, PERSON, LOCATION.",
    )

    # --- knowledge-base retrieval (ai/embeddings, ai/retrieval) ---------------------------
    kb_embedding_provider: Literal["local", "openai"] = Field(
        default="local",
        description="local = all-MiniLM-L6-v2 int8 on this machine (offline); openai = "
        "OPENAI_EMBEDDING_MODEL at 384 dimensions. Changing it needs `autocrm kb reembed`.",
    )
    kb_embedding_batch: int = Field(default=32, gt=0, le=2048, description="Chunks per call.")
    kb_query_cache_size: int = Field(default=1024, ge=0, description="Cached query vectors.")
    kb_fusion: Literal["convex", "rrf"] = Field(
        default="convex",
        description="convex = weighted sum of min-max normalised scores; rrf = reciprocal "
        "rank fusion.",
    )
    kb_fusion_vector_weight: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="convex: weight of the vector score (the rest goes to full text); tuned "
        "on the relevance set in tests/ai/retrieval.",
    )
    kb_rrf_k: int = Field(default=60, gt=0, description="rrf: the k in 1/(k + rank).")
    kb_search_candidates: int = Field(
        default=40, gt=0, le=500, description="Candidates each of vector and full text."
    )
    kb_no_answer_similarity: float = Field(
        default=0.40,
        ge=-1,
        le=1,
        description="A search whose best hit's cosine similarity is below this found nothing "
        "(recorded as a content gap; the AI says it has no answer).",
    )
    kb_search_cache_size: int = Field(
        default=512, ge=0, description="Cached search results (in-process); 0 = off."
    )

    # --- Triage and routing (ai/triage, resolvers/triage) -------------------------------
    ai_triage_on_create: bool = Field(
        default=True,
        description="Queue an `ai.triage` job for every new ticket (priority, team, tags, "
        "language, sentiment, PII flags, routing rules, round-robin). Offline it costs a "
        "local embedding and a small linear model (a few ms a ticket once loaded).",
    )
    ai_triage_tags: list[str] = Field(
        default_factory=list,
        description="Tags an LLM may set besides those of the shipped examples; any other "
        "tag it proposes is rejected.",
    )
    ai_triage_min_confidence: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Below this classifier probability the team is not set (stays in the "
        "general queue); 0 = always set.",
    )

    @field_validator("ai_providers")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in AI_PROVIDER_NAMES]
        if unknown or not value:
            raise ValueError(
                f"AI_PROVIDERS lists {unknown or 'nothing'}; choose from "
                f"{', '.join(AI_PROVIDER_NAMES)} (first choice first)"
            )
        return value

    @field_validator("pii_thresholds")
    @classmethod
    def _valid_pii_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        for kind, cut in value.items():
            if kind not in PII_KINDS:
                raise ValueError(f"PII_THRESHOLDS: unknown kind {kind!r}; choose from {PII_KINDS}")
            if not 0.0 <= cut <= 1.0:
                raise ValueError(f"PII_THRESHOLDS: {kind} must be between 0 and 1, not {cut}")
        return value

    def model_price(self, model: str) -> ModelPrice | None:
        """The configured price of `model` (AI_PRICES first, then the defaults)."""
        return self.ai_prices.get(model) or DEFAULT_AI_PRICES.get(model)

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry.strip(), strict=False)  # ValueError names the bad entry
        return value

    @field_validator(
        "database_url",
        "redis_url",
        "smtp_url",
        "blob_url",
        "s3_endpoint_url",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("blob_url")
    @classmethod
    def _s3_blob_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        bucket = value.removeprefix("s3://").split("/", 1)[0]
        if not value.startswith("s3://") or not bucket:
            raise ValueError(
                "BLOB_URL must be s3://bucket or s3://bucket/prefix (unset it to keep "
                "files in DATA_DIR/files)"
            )
        return value.rstrip("/")

    @field_validator(
        "openai_api_key",
        "anthropic_api_key",
        "ai_local_api_key",
        "openai_base_url",
        "anthropic_base_url",
        "ai_local_base_url",
        mode="before",
    )
    @classmethod
    def _blank_ai_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    def resolved_secret_key(self) -> str:
        """The signing key: configured, or generated once and kept in the data folder."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def listen_url(host: str, port: int) -> str:
    """http://host:port as a browser on this machine reaches it (0.0.0.0 → 127.0.0.1)."""
    if host in ("", "0.0.0.0"):  # noqa: S104  (naming the wildcard, not binding to it)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
