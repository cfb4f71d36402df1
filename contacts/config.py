"""Settings read from MEISHI_* environment variables, with defaults for the embedded setup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_VAR_DIR = Path("var")


class ConfigError(ValueError):
    """A MEISHI_* setting that cannot be used; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from e


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from e


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see the README's configuration table."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{(DEFAULT_VAR_DIR / 'meishi.db').resolve()}")
    storage_dir: Path = field(default_factory=lambda: (DEFAULT_VAR_DIR / "images").resolve())
    secret_key: str = "dev-only-change-me"
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 15_000_000
    max_image_pixels: int = 40_000_000
    max_batch_files: int = 100
    page_limit_default: int = 50
    page_limit_max: int = 500
    queue: str = "embedded"
    redis_url: str = "redis://127.0.0.1:6379/0"
    workers: int = 2
    ocr_timeout_seconds: float = 30.0
    review_threshold: float = 0.8
    idempotency_ttl_hours: int = 24
    # "embedded": a delivery thread in the serving process; "off": run `meishi webhooks`; "auto": as the queue
    webhooks: str = "auto"
    # The web app: where Flask-Limiter counts sign-in attempts, and how many attempts are allowed
    ratelimit_storage: str = "memory://"
    login_limit: str = "10 per 15 minutes"
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (HTTPS, client address)
    proxy_hops: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from MEISHI_* variables, falling back to the defaults."""
        env = os.environ if env is None else env
        base = cls()
        var_dir = Path(env.get("MEISHI_VAR_DIR", str(DEFAULT_VAR_DIR))).resolve()
        return replace(
            base,
            database_url=env.get("MEISHI_DATABASE_URL") or f"sqlite:///{var_dir / 'meishi.db'}",
            storage_dir=Path(env.get("MEISHI_STORAGE_DIR") or var_dir / "images").resolve(),
            secret_key=env.get("MEISHI_SECRET_KEY", base.secret_key),
            max_body_bytes=_int(env, "MEISHI_MAX_BODY_BYTES", base.max_body_bytes),
            max_upload_bytes=_int(env, "MEISHI_MAX_UPLOAD_BYTES", base.max_upload_bytes),
            max_image_pixels=_int(env, "MEISHI_MAX_IMAGE_PIXELS", base.max_image_pixels),
            max_batch_files=_int(env, "MEISHI_MAX_BATCH_FILES", base.max_batch_files),
            queue=env.get("MEISHI_QUEUE", base.queue),
            redis_url=env.get("MEISHI_REDIS_URL", base.redis_url),
            workers=_int(env, "MEISHI_WORKERS", base.workers),
            ocr_timeout_seconds=_float(env, "MEISHI_OCR_TIMEOUT", base.ocr_timeout_seconds),
            review_threshold=_float(env, "MEISHI_REVIEW_THRESHOLD", base.review_threshold),
            webhooks=env.get("MEISHI_WEBHOOKS", base.webhooks),
            ratelimit_storage=env.get("MEISHI_RATELIMIT_STORAGE") or base.ratelimit_storage,
            login_limit=env.get("MEISHI_LOGIN_LIMIT") or base.login_limit,
            proxy_hops=_int(env, "MEISHI_PROXY_HOPS", base.proxy_hops),
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """Return a copy with the known keys of ``overrides`` applied (used by tests)."""
        names = {f.name for f in fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **dict(overrides))
