"""The service's exception tree; the API turns each into RFC 9457 problem+json by type."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://meishi.dev/problems/"


class MeishiError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug


class BadRequest(MeishiError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(MeishiError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="meishi"'})


class Forbidden(MeishiError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(MeishiError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(MeishiError):
    status, slug, title = 409, "conflict", "Conflict"


class Gone(MeishiError):
    status, slug, title = 410, "gone", "Gone"


class PreconditionFailed(MeishiError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(MeishiError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(MeishiError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(MeishiError):
    status, slug, title = 422, "validation", "Validation failed"


class IdempotencyMismatch(MeishiError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency key reused with another request"


class UnprocessableImage(MeishiError):
    status, slug, title = 422, "unprocessable-image", "Image cannot be processed"
