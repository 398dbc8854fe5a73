"""Configuration from the environment, and production's refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from sunshine import signing
from sunshine.config import ConfigError, load_config, validate

GOOD_PRODUCTION = {
    "SUNSHINE_ENV": "production",
    "SECRET_KEY": "k" * 40,
    "WECHAT_APPID": "wx0123456789abcdef",
    "WECHAT_SECRET": "s" * 32,
    "DATABASE_URL": "postgres://sunshine@db/sunshine",
    "REDIS_URL": "redis://cache:6379/0",
    "LEDGER_SIGNING_KEY": base64.b64encode(b"p" * 32).decode(),
    "PUBLIC_BASE_URL": "https://sunshine.example.cn",
}


def test_defaults_are_sqlite_in_instance_folder_and_official_wechat() -> None:
    config = load_config("/srv/instance", env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/instance/sunshine.sqlite3"
    assert config["WECHAT_API_BASE"] == "https://api.weixin.qq.com"
    assert config["REDIS_URL"] is None
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["ENV_NAME"] == "development"


def test_production_values_are_read_and_postgres_uses_psycopg3() -> None:
    config = load_config("/srv/instance", env=GOOD_PRODUCTION)
    validate(config)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://sunshine@db/sunshine"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"WECHAT_APPID": ""}, "WECHAT_APPID"),
        ({"WECHAT_SECRET": ""}, "WECHAT_SECRET"),
        ({"WECHAT_API_BASE": "http://127.0.0.1:5001"}, "WECHAT_API_BASE"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"LEDGER_SIGNING_KEY": ""}, "LEDGER_SIGNING_KEY"),
        ({"LEDGER_SIGNING_KEY": "not a key"}, "LEDGER_SIGNING_KEY"),
        ({"LEDGER_SIGNING_KEY": base64.b64encode(b"short").decode()}, "LEDGER_SIGNING_KEY"),
        ({"LEDGER_SIGNING_KEY": signing.DEVELOPMENT_KEY}, "development key"),
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "http://sunshine.example.cn"}, "PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_configuration(override: dict[str, str], problem: str) -> None:
    config = load_config("/srv/instance", env={**GOOD_PRODUCTION, **override})
    with pytest.raises(ConfigError, match=problem):
        validate(config)


@pytest.mark.parametrize(
    "env",
    [
        {"SUNSHINE_ENV": "staging"},
        {"AUTH_TOKEN_TTL": "a day"},
        {"WECHAT_TIMEOUT": "fast"},
        {"STATEMENT_NUMBER_PREFIX": "zm-"},
        {"PUNCH_RATE_LIMIT": "twenty a minute"},
        {"PHONE_BIND_RATE_LIMIT": "3 per fortnight"},
        {"DATABASE_OWNER_URL": "sqlite:///owner.sqlite3"},  # SQLite has no roles
        {"NEED_DEADLINES": "three days"},
        {"NEED_DEADLINES": '{"gift": {"answer": 3}}'},
        {"NEED_DEADLINES": '{"wish": {"answer": 0}}'},
        {"NEED_DEADLINES": '{"wish": {"reply": 2}}'},
        {"NEED_DEADLINES": '{"wish": {"answer": 2.5}}'},
        {"NEED_DEADLINES": '["wish"]'},
    ],
)
def test_malformed_values_fail_fast(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_config("/srv/instance", env=env)


def test_the_ledger_key_may_come_from_a_pem_file(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "ledger.pem"
    path.write_bytes(pem)
    env = {**GOOD_PRODUCTION, "LEDGER_SIGNING_KEY": "", "LEDGER_SIGNING_KEY_FILE": str(path)}
    config = load_config("/srv/instance", env=env)
    validate(config)
    assert signing.key_id(signing.load_private_key(config["LEDGER_SIGNING_KEY"])) == (
        signing.key_id(key)
    )
    with pytest.raises(ConfigError, match="LEDGER_SIGNING_KEY_FILE"):
        load_config("/srv/instance", env={**env, "LEDGER_SIGNING_KEY_FILE": str(tmp_path / "no")})


def test_outside_production_the_published_development_key_signs() -> None:
    from sunshine.config import fill_development_defaults

    config = load_config("/srv/instance", env={"SUNSHINE_ENV": "testing"})
    fill_development_defaults(config)
    assert config["LEDGER_SIGNING_KEY"] == signing.DEVELOPMENT_KEY
    signing.load_private_key(config["LEDGER_SIGNING_KEY"])  # a valid key


def test_the_owner_url_is_read_for_migrations_only_and_uses_psycopg3() -> None:
    env = {"DATABASE_OWNER_URL": "postgresql://sunshine_owner:pw@db.internal/sunshine"}
    assert load_config("/srv/instance", env={})["DATABASE_OWNER_URL"] is None
    assert load_config("/srv/instance", env=env)["DATABASE_OWNER_URL"] == (
        "postgresql+psycopg://sunshine_owner:pw@db.internal/sunshine"
    )


def test_need_deadlines_override_only_what_they_name() -> None:
    default = load_config("/srv/instance", env={})["NEED_DEADLINES"]
    assert default == {
        "wish": {"answer": 3, "complete": 15},
        "request": {"answer": 3, "complete": 15},
    }
    env = {"NEED_DEADLINES": '{"request": {"answer": 1}}'}
    assert load_config("/srv/instance", env=env)["NEED_DEADLINES"] == {
        "wish": {"answer": 3, "complete": 15},
        "request": {"answer": 1, "complete": 15},
    }
