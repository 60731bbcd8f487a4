"""Tool manifests: the versioned JSON/YAML document that says what a tool is and may do.

A manifest is validated whole at registration, so a bad one is refused with every problem
named (its JSON Schemas are checked against the JSON Schema meta-schema, its endpoint
against the egress allowlist), and a registered tool can be trusted to run as described.

    name: order_status
    version: 1.0.0
    description: Looks up an order's shipping status.
    effect: read              # or write: always needs a human's approval before it runs
    runner: {kind: http, method: GET, url: "https://shop.example.com/api/orders/{order}"}
    auth: {kind: api_key, header: X-Api-Key}
    input_schema: {type: object, properties: {order: {type: string}}, required: [order]}
    output_schema: {type: object}
    timeout_seconds: 5
    rate_limit: 30/minute
    roles: [agent, admin]
    examples: ["where is my order", "has my parcel shipped"]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaValidationError
from limits import parse as parse_rate_limit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ai.tools.egress import EgressPolicy

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "ManifestError",
    "ToolManifest",
    "check_io",
    "parse_manifest",
]

DEFAULT_TIMEOUT_SECONDS = 5.0
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_ENTRY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_ROLES = {"admin", "agent", "reviewer"}


class ManifestError(ValueError):
    """A manifest that cannot be registered; `problems` lists (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))


class HttpRunner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["http"]
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    # `{name}` placeholders are filled from the input (URL-encoded); the rest is the body.
    url: str


class PythonRunner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["python"]
    entry: str  # "package.module:function", run in the sandbox

    @field_validator("entry")
    @classmethod
    def _entry(cls, value: str) -> str:
        if not _ENTRY.match(value):
            raise ValueError("must look like package.module:function")
        return value


class NoAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["none"] = "none"


class ApiKeyAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["api_key"]
    header: str = "Authorization"
    prefix: str = ""  # e.g. "Bearer "


class OAuth2Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["oauth2"]
    grant: Literal["client_credentials", "authorization_code"]
    token_url: str
    authorize_url: str | None = None
    revoke_url: str | None = None
    scopes: list[str] = Field(default_factory=list)


class ToolManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    description: str = Field(min_length=1, max_length=2000)
    effect: Literal["read", "write"]
    runner: Annotated[HttpRunner | PythonRunner, Field(discriminator="kind")]
    auth: Annotated[NoAuth | ApiKeyAuth | OAuth2Auth, Field(discriminator="kind")] = Field(
        default_factory=NoAuth
    )
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0)
    rate_limit: str | None = None
    roles: list[str] = Field(default_factory=lambda: ["agent", "admin"])
    examples: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use 2-63 lower-case letters, digits and _, starting with a letter")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("use MAJOR.MINOR.PATCH, e.g. 1.0.0")
        return value

    @field_validator("input_schema", "output_schema")
    @classmethod
    def _schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from exc
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_rate_limit(value)
            except ValueError as exc:
                raise ValueError("use a rate such as 30/minute") from exc
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - _ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}; customers never run tools")
        return value

    @property
    def needs_approval(self) -> bool:
        """A tool that changes things never runs without a human's approval."""
        return self.effect == "write"


def _load(document: str | Mapping[str, Any]) -> Any:
    if not isinstance(document, str):
        return dict(document)
    try:
        return json.loads(document)
    except ValueError:
        pass
    try:
        return yaml.safe_load(document)
    except yaml.YAMLError as exc:
        raise ManifestError([("", f"The manifest is neither JSON nor YAML: {exc}")]) from exc


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith("function-"))


def parse_manifest(
    document: str | Mapping[str, Any],
    *,
    egress: EgressPolicy,
    max_timeout_seconds: float = 30.0,
) -> ToolManifest:
    """Validate a manifest; `ManifestError` lists every problem found."""
    raw = _load(document)
    if not isinstance(raw, dict):
        raise ManifestError([("", "The manifest must be an object (a mapping of fields).")])
    try:
        manifest = ToolManifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(
            [(_field(err["loc"]), err["msg"].removeprefix("Value error, ")) for err in exc.errors()]
        ) from exc
    problems: list[tuple[str, str]] = []
    if manifest.timeout_seconds > max_timeout_seconds:
        problems.append(
            ("timeout_seconds", f"at most {max_timeout_seconds:g} s on this installation")
        )
    urls = [("runner.url", manifest.runner.url)] if isinstance(manifest.runner, HttpRunner) else []
    if isinstance(manifest.auth, OAuth2Auth):
        urls += [("auth.token_url", manifest.auth.token_url)]
        urls += [("auth.authorize_url", u) for u in [manifest.auth.authorize_url] if u]
        urls += [("auth.revoke_url", u) for u in [manifest.auth.revoke_url] if u]
        if manifest.auth.grant == "authorization_code" and not manifest.auth.authorize_url:
            problems.append(("auth.authorize_url", "required for the authorization_code grant"))
    for name, url in urls:
        parts = urlsplit(url.replace("{", "").replace("}", ""))
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            problems.append((name, "must be an absolute http(s) URL"))
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not egress.allows_host(parts.hostname, port):
            problems.append((name, f"{parts.hostname}:{port} is not on the egress allowlist"))
    if problems:
        raise ManifestError(problems)
    return manifest


def check_io(schema: Mapping[str, Any], value: Any, what: str) -> None:
    """Validate a tool's input or output against its manifest's schema."""
    try:
        Draft202012Validator(dict(schema)).validate(value)
    except SchemaValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ManifestError([(what, f"{where}: {exc.message}")]) from exc
