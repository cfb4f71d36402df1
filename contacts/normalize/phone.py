"""Phone numbers to E.164, and their kind (mobile or fixed line)."""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

_EXTENSION_RE = re.compile(
    r"(?:内線|ext\.?|extension|ext|x|#|（内）|\(内\))\s*[:：]?\s*[0-9]+\s*$|\s*[（(]\s*内線?[^)）]*[)）]\s*$",
    re.IGNORECASE,
)
_PHONE_LABEL_RE = re.compile(r"^[^0-9+（(]*")


_JP_MOBILE_NATIONAL_RE = re.compile(r"^0[789]0[1-9]\d{7}$")
# Tokyo (03) and Osaka (06) numbers: every 03-[1-9]xxx-xxxx is a valid fixed line in phonenumbers' metadata.
_JP_TOKYO_OSAKA_RE = re.compile(r"^0[36][1-9]\d{7}$")
_JP_TOKYO_OSAKA_E164_RE = re.compile(r"^\+81[36][1-9]\d{7}$")
_PHONE_SEPARATORS_RE = re.compile(r"[\s\-().]")


def to_e164(raw: str, region: str = "JP") -> str | None:
    """Return ``raw`` as an E.164 number (``+81312345678``), or None when unparseable or invalid.

    Extensions (内線 123, ext. 12, x12) and leading labels (TEL:, 携帯) are stripped first.
    """
    if not raw:
        return None
    s = unicodedata.normalize("NFKC", raw).strip()
    if region == "JP":
        # Fast path for the commonest card format, a Japanese mobile; everything else goes to phonenumbers.
        digits = _PHONE_SEPARATORS_RE.sub("", s)
        if digits.startswith("+81"):
            digits = "0" + digits[3:]
        if _JP_MOBILE_NATIONAL_RE.match(digits) or _JP_TOKYO_OSAKA_RE.match(digits):
            return "+81" + digits[1:]
    return _to_e164_slow(s, region)


@functools.lru_cache(maxsize=200_000)
def _to_e164_slow(s: str, region: str) -> str | None:
    s = _EXTENSION_RE.sub("", s).strip()
    s = _PHONE_LABEL_RE.sub("", s)
    if not s or sum(ch.isdigit() for ch in s) < 5:
        return None
    try:
        number = phonenumbers.parse(s, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_JP_MOBILE_RE = re.compile(r"^\+81[789]0\d{8}$")


def phone_type_of(e164: str) -> str:
    """Return "mobile", "fixed" or "other" for an E.164 number (070/080/090 are mobile in Japan)."""
    if _JP_MOBILE_RE.match(e164):
        return "mobile"
    if _JP_TOKYO_OSAKA_E164_RE.match(e164):
        return "fixed"
    return _phone_type_slow(e164)


@functools.lru_cache(maxsize=200_000)
def _phone_type_slow(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "other"
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "fixed"
    return "other"
