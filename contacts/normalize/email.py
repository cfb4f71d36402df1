"""E-mail validation, weak-evidence flags (role inboxes, free mail) and registrable domains."""

from __future__ import annotations

import functools
import re
import unicodedata

import email_validator
import tldextract

from contacts.normalize.data import word_list
from contacts.normalize.text import WHITESPACE_RE

#: Local parts of shared inboxes: they say nothing about the person.
ROLE_LOCAL_PARTS: frozenset[str] = frozenset(word_list("role_local_parts.txt"))
_ROLE_PREFIXES: frozenset[str] = frozenset(
    {"info", "sales", "support", "contact", "inquiry", "toiawase", "noreply", "no-reply", "recruit", "saiyo"}
)

#: Free, ISP and carrier mail domains (suffix match): weak evidence for the person, none for the company.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(word_list("free_mail_domains.txt"))


# Plain ASCII addresses (the vast majority) are checked by this pattern; anything else by email-validator.
_SIMPLE_EMAIL_RE = re.compile(
    r"^(?=.{6,254}$)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def normalize_email(raw: str) -> str:
    """Validate an e-mail address offline and return it lower-cased; raise ValueError when invalid."""
    s = unicodedata.normalize("NFKC", raw or "").strip()
    if s.lower().startswith("mailto:"):
        s = s[7:]
    s = WHITESPACE_RE.sub("", s)
    lowered = s.lower()
    if _SIMPLE_EMAIL_RE.match(lowered) and len(lowered.split("@", 1)[0]) <= 64:
        return lowered
    try:
        result = email_validator.validate_email(s, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        raise ValueError(f"invalid e-mail address {raw!r}: {e}") from e
    return str(result.normalized).lower()


def is_role_email(email: str) -> bool:
    """Tell whether ``email`` is a shared inbox (info@, sales@, support-jp@ ...)."""
    local = email.split("@", 1)[0].lower().split("+", 1)[0]
    if local in ROLE_LOCAL_PARTS:
        return True
    first = re.split(r"[._-]", local, maxsplit=1)[0]
    return first in _ROLE_PREFIXES


def is_free_mail_domain(domain: str) -> bool:
    """Tell whether ``domain`` (or a parent of it) is a free, ISP or carrier mail domain."""
    d = domain.lower().strip().rstrip(".")
    while d:
        if d in FREE_MAIL_DOMAINS:
            return True
        if "." not in d:
            return False
        d = d.split(".", 1)[1]
    return False


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() uses the bundled snapshot of the public suffix list: never any network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=65536)
def _registrable(host: str) -> str | None:
    ext = _extractor()(host)
    if not ext.domain or not ext.suffix:
        return None
    return f"{ext.domain}.{ext.suffix}"


def company_key_from_email(email: str) -> str | None:
    """Return the registrable domain of ``email`` (sales.abc.co.jp → abc.co.jp), None for free mail."""
    if "@" not in email:
        return None
    domain = unicodedata.normalize("NFKC", email).rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or is_free_mail_domain(domain):
        return None
    return _registrable(domain)


def domain_of_url(url: str) -> str | None:
    """Return the registrable domain of a URL or host name (https://www.abc.co.jp/x → abc.co.jp)."""
    s = unicodedata.normalize("NFKC", url or "").strip().lower()
    if not s:
        return None
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    host = re.split(r"[/?#:]", s, maxsplit=1)[0].split("@")[-1].rstrip(".")
    if not host or "." not in host:
        return None
    return _registrable(host)
