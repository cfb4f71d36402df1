"""Normalisation of contact fields for search and matching (名寄せ).

Every function here is pure and offline: Unicode folding (NFKC, width, case, kana, kanji variants),
phone numbers to E.164, e-mail validation and weak-evidence flags, company legal forms, registrable
domains, romaji keys from kana or romaji, Japanese postal codes and addresses, the prefecture of an address
and the seniority of a title. The package splits them by field kind (``text``, ``phone``, ``email``,
``company``, ``romaji``, ``address``, ``prefecture``, ``title``); word lists are data
files beside the modules. Import the functions from here.

The kanji variant table lives in one place: :data:`KANJI_VARIANTS` (our additions on top of the
``joyokanji`` tables) and :data:`LOOSE_KANJI_VARIANTS` (characters that are legally different but that
people mix up, such as 斎/斉; folded only for blocking and for a "variant" comparison level).
"""

from __future__ import annotations

from contacts.normalize.address import normalize_address, normalize_postal_code
from contacts.normalize.company import normalize_company_name
from contacts.normalize.email import (
    FREE_MAIL_DOMAINS,
    ROLE_LOCAL_PARTS,
    company_key_from_email,
    domain_of_url,
    is_free_mail_domain,
    is_role_email,
    normalize_email,
)
from contacts.normalize.phone import phone_type_of, to_e164
from contacts.normalize.prefecture import prefecture_of, region_of
from contacts.normalize.romaji import guess_romaji_key, romaji_key, romaji_tokens
from contacts.normalize.text import KANJI_VARIANTS, LOOSE_KANJI_VARIANTS, fold_loose, fold_text, has_kanji
from contacts.normalize.title import seniority_of

__all__ = [
    "FREE_MAIL_DOMAINS",
    "KANJI_VARIANTS",
    "LOOSE_KANJI_VARIANTS",
    "ROLE_LOCAL_PARTS",
    "company_key_from_email",
    "domain_of_url",
    "fold_loose",
    "fold_text",
    "guess_romaji_key",
    "has_kanji",
    "is_free_mail_domain",
    "is_role_email",
    "normalize_address",
    "normalize_company_name",
    "normalize_email",
    "normalize_postal_code",
    "phone_type_of",
    "prefecture_of",
    "region_of",
    "romaji_key",
    "romaji_tokens",
    "seniority_of",
    "to_e164",
]
