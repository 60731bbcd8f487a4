"""Settings an operator leaves unset follow what they did set."""

from __future__ import annotations

from settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_public_url_follows_the_port_the_server_listens_on() -> None:
    settings = _settings().listening_on("127.0.0.1", 9123)

    assert settings.public_url == "http://127.0.0.1:9123"


def test_public_url_of_a_wildcard_host_is_reachable_from_this_machine() -> None:
    settings = _settings().listening_on("0.0.0.0", 8080)

    assert settings.public_url == "http://127.0.0.1:8080"


def test_public_url_defaults_from_host_and_port_settings() -> None:
    assert _settings(port=7001).public_url == "http://127.0.0.1:7001"


def test_configured_public_url_is_kept_whatever_the_port() -> None:
    settings = _settings(public_url="https://help.example.com").listening_on("0.0.0.0", 9000)

    assert settings.public_url == "https://help.example.com"
