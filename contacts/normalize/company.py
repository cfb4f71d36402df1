"""Company names without legal forms, for matching."""

from __future__ import annotations

import functools
import re
import unicodedata

from contacts.normalize.data import word_list
from contacts.normalize.text import CACHE_SIZE, fold_text

_JA_LEGAL_FORMS = word_list("ja_legal_forms.txt")
_JA_ABBREVIATIONS = word_list("ja_legal_abbreviations.txt")
_JA_LEGAL_RE = re.compile(
    "|".join(map(re.escape, _JA_LEGAL_FORMS))
    + r"|\(\s*(?:"
    + "|".join(map(re.escape, _JA_ABBREVIATIONS))
    + r")\s*\)",
    re.IGNORECASE,
)
_EN_LEGAL_RE = re.compile(
    r"(?<![a-z0-9])(?:"
    r"co\.?\s*,?\s*ltd\.?|company\s+limited|kabushiki\s*-?\s*[kg]aisha|yugen\s*-?\s*[kg]aisha|"
    r"godo\s*-?\s*[kg]aisha|pty\.?\s*ltd\.?|pte\.?\s*ltd\.?|limited|ltd\.?|incorporated|inc\.?|"
    r"corporation|corp\.?|k\.\s*k\.?|g\.\s*k\.?|y\.\s*k\.?|kk|l\.?l\.?c\.?|l\.?l\.?p\.?|gmbh|"
    r"plc\.?|s\.a\.?|b\.v\.?|n\.v\.?|ag|co\.?"
    r")(?![a-z0-9])",
    re.IGNORECASE,
)
_COMPANY_PUNCT_RE = re.compile(r"[\s,.・･·'’\"()\[\]「」『』【】〔〕\-‐‑–—―−]+")


def _strip_company_once(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)
    s = _JA_LEGAL_RE.sub(" ", s)
    s = _EN_LEGAL_RE.sub(" ", s)
    s = _COMPANY_PUNCT_RE.sub("", s)
    return fold_text(s)


@functools.lru_cache(maxsize=CACHE_SIZE)
def normalize_company_name(name: str) -> str:
    """Strip legal forms (株式会社, ㈱, Co., Ltd., K.K., GmbH ...) in any position and fold; "" for empty."""
    if not name:
        return ""
    out = _strip_company_once(name)
    while True:
        again = _strip_company_once(out)
        if again == out:
            return out
        out = again
