"""Settings read from MEISHI_* environment variables, with defaults for the embedded setup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULT_VAR_DIR = Path("var")
MIN_CHANGES_RETENTION_DAYS = 30  # the change feed is kept at least this long (integrators rely on it)
DEFAULT_SECRET_KEY = "dev-only-change-me"  # `meishi serve` refuses it unless told this is a development run


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


def _retention_days(env: Mapping[str, str], name: str, default: int) -> int:
    days = _int(env, name, default)
    if days < MIN_CHANGES_RETENTION_DAYS:
        raise ConfigError(f"{name} must be at least {MIN_CHANGES_RETENTION_DAYS} (days), got {days}")
    return days


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from e


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _cidrs(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    import ipaddress

    raw = env.get(name) or ""
    out = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as e:
            raise ConfigError(f"{name} must be a comma-separated list of CIDR ranges, got {item!r}") from e
    return tuple(out)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see the README's configuration table."""

    database_url: str = field(
        default_factory=lambda: f"sqlite:///{(DEFAULT_VAR_DIR / 'meishi.db').resolve()}"
    )
    storage_dir: Path = field(default_factory=lambda: (DEFAULT_VAR_DIR / "images").resolve())
    secret_key: str = DEFAULT_SECRET_KEY
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 15_000_000
    max_image_pixels: int = 40_000_000
    max_batch_files: int = 100
    # decode work of one upload request: the pixels its images claim in all (100 cards of 6 megapixels)
    max_batch_pixels: int = 600_000_000
    queue: str = "embedded"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis key prefix of the card queue, on the web side as `meishi worker --namespace` on the worker side
    queue_namespace: str = "meishi"
    workers: int = 2
    # Where the embedded queue's pool runs: "threads" in each serving process, or "process": a separate
    # `meishi worker` (`meishi serve` starts one and sets this for its workers), so OCR never shares their GIL
    card_pool: str = "threads"
    worker_nice: int = 10  # OCR threads and `meishi worker` run at this nice value (0: unchanged)
    ocr_timeout_seconds: float = 30.0
    review_threshold: float = 0.8
    idempotency_ttl_hours: int = 24
    # The change feed keeps entries this many days (at least 30); `meishi changes prune` deletes older ones.
    changes_retention_days: int = 90
    # "embedded": a delivery thread in the serving process; "off": run `meishi webhooks`; "auto": as the queue
    webhooks: str = "auto"
    # Webhook targets: public addresses only, unless private ranges or listed ranges are allowed.
    webhook_allow_private: bool = False
    webhook_allow_cidrs: tuple[str, ...] = ()
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = 8
    webhook_per_org: int = 2
    # Rate limits (Flask-Limiter notation) and where their counters live.
    ratelimit_storage_uri: str = "memory://"
    ratelimit_auth_failures: str = "20/minute"
    ratelimit_uploads: str = "30/minute"
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: trust none).
    trusted_proxies: int = 0
    # `meishi serve`: seconds a request's line and headers may take to arrive
    header_timeout_seconds: float = 10.0
    # The web app: sign-in attempts allowed per account and per address (Flask-Limiter notation)
    login_limit: str = "10 per 15 minutes"
    # Imports: the largest file and the most rows accepted; "embedded" commits in the serving process,
    # "off" leaves it to `meishi imports work`.
    import_max_bytes: int = 50_000_000
    import_max_rows: int = 200_000
    imports: str = "embedded"

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
            max_batch_pixels=_int(env, "MEISHI_MAX_BATCH_PIXELS", base.max_batch_pixels),
            queue=env.get("MEISHI_QUEUE", base.queue),
            redis_url=env.get("MEISHI_REDIS_URL", base.redis_url),
            queue_namespace=env.get("MEISHI_QUEUE_NAMESPACE") or base.queue_namespace,
            workers=_int(env, "MEISHI_WORKERS", base.workers),
            card_pool=env.get("MEISHI_CARD_POOL") or base.card_pool,
            worker_nice=_int(env, "MEISHI_WORKER_NICE", base.worker_nice),
            ocr_timeout_seconds=_float(env, "MEISHI_OCR_TIMEOUT", base.ocr_timeout_seconds),
            review_threshold=_float(env, "MEISHI_REVIEW_THRESHOLD", base.review_threshold),
            idempotency_ttl_hours=_int(env, "MEISHI_IDEMPOTENCY_TTL_HOURS", base.idempotency_ttl_hours),
            changes_retention_days=_retention_days(
                env, "MEISHI_CHANGES_RETENTION_DAYS", base.changes_retention_days
            ),
            webhooks=env.get("MEISHI_WEBHOOKS", base.webhooks),
            webhook_allow_private=_bool(env, "MEISHI_WEBHOOK_ALLOW_PRIVATE", base.webhook_allow_private),
            webhook_allow_cidrs=_cidrs(env, "MEISHI_WEBHOOK_ALLOW_CIDRS"),
            webhook_timeout_seconds=_float(env, "MEISHI_WEBHOOK_TIMEOUT", base.webhook_timeout_seconds),
            webhook_concurrency=_int(env, "MEISHI_WEBHOOK_CONCURRENCY", base.webhook_concurrency),
            webhook_per_org=_int(env, "MEISHI_WEBHOOK_PER_ORG", base.webhook_per_org),
            ratelimit_storage_uri=env.get("MEISHI_RATELIMIT_STORAGE_URI") or base.ratelimit_storage_uri,
            ratelimit_auth_failures=env.get("MEISHI_RATELIMIT_AUTH_FAILURES") or base.ratelimit_auth_failures,
            ratelimit_uploads=env.get("MEISHI_RATELIMIT_UPLOADS") or base.ratelimit_uploads,
            trusted_proxies=_int(env, "MEISHI_TRUSTED_PROXIES", base.trusted_proxies),
            header_timeout_seconds=_float(env, "MEISHI_HEADER_TIMEOUT", base.header_timeout_seconds),
            login_limit=env.get("MEISHI_LOGIN_LIMIT") or base.login_limit,
            import_max_bytes=_int(env, "MEISHI_IMPORT_MAX_BYTES", base.import_max_bytes),
            import_max_rows=_int(env, "MEISHI_IMPORT_MAX_ROWS", base.import_max_rows),
            imports=env.get("MEISHI_IMPORTS") or base.imports,
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """Return a copy with the known keys of ``overrides`` applied (used by tests)."""
        names = {f.name for f in fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **dict(overrides))


def settings_of(app: Flask) -> Settings:
    """Return the settings the app was created with."""
    settings: Settings = app.extensions["meishi.settings"]
    return settings
