"""Normalisation of contact fields for search and matching (名寄せ).

Every function here is pure and offline: Unicode folding (NFKC, width, case, kana, kanji variants),
phone numbers to E.164, e-mail validation and weak-evidence flags, company legal forms, registrable
domains, romaji keys from kana or romaji, and Japanese postal codes and addresses.

The kanji variant table lives in one place: :data:`KANJI_VARIANTS` (our additions on top of the
``joyokanji`` tables) and :data:`LOOSE_KANJI_VARIANTS` (characters that are legally different but that
people mix up, such as 斎/斉; folded only for blocking and for a "variant" comparison level).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

import email_validator
import phonenumbers
import tldextract

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
    "romaji_key",
    "romaji_tokens",
    "to_e164",
]

# --------------------------------------------------------------------------------------------------
# Kanji variants
# --------------------------------------------------------------------------------------------------

#: Variant → standard form, added to joyokanji's tables (which miss these; see docs/matching-notes.md).
KANJI_VARIANTS: dict[str, str] = {
    "邉": "辺",
    "邊": "辺",
    "嶋": "島",
    "嶌": "島",
    "冨": "富",
    "槗": "橋",
    "嵜": "崎",
    "﨑": "崎",
    "髙": "高",
    "𠮷": "吉",
    "濵": "浜",
    "濱": "浜",
    "淵": "渕",
    "舘": "館",
    "峯": "峰",
    "栁": "柳",
    "檜": "桧",
    "鷗": "鴎",
    "邨": "村",
    "曻": "昇",
    "桒": "桑",
    "莊": "荘",
    "靜": "静",
    "眞": "真",
    "惠": "恵",
    "實": "実",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "德": "徳",
    "藝": "芸",
    "澤": "沢",
    "齋": "斎",
    "齊": "斉",
}

#: Legally different characters that people and OCR mix up: one blocking key, a "variant" level below exact.
LOOSE_KANJI_VARIANTS: dict[str, str] = {
    "斎": "斉",
    "齋": "斉",
    "齊": "斉",
    "竜": "龍",
    "籠": "篭",
}

# Names, companies and addresses repeat a lot across cards: the pure functions below are memoised.
_CACHE_SIZE = 1 << 18

_HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_KATAKANA_TO_HIRAGANA = {v: k for k, v in _HIRAGANA_TO_KATAKANA.items()}
# Variation selectors and ideographic variation sequences (IVS) carry glyph choices, not identity.
_VARIATION_SELECTORS = {cp: None for cp in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]}
_WHITESPACE_RE = re.compile(r"\s+")


def _load_joyokanji_tables() -> dict[str, str]:
    """Return joyokanji's character maps (old forms and variants) as one dict."""
    merged: dict[str, str] = {}
    base = resources.files("joyokanji") / "config"
    for name in ("kanji.json", "variants.json"):
        try:
            data = json.loads((base / name).read_text(encoding="utf-8"))
        except (FileNotFoundError, OSError, ValueError):
            continue
        merged.update({k: v for k, v in data.items() if len(k) == 1 and len(v) == 1 and k != v})
    return merged


def _close(mapping: dict[str, str]) -> dict[int, int]:
    """Resolve chains (a→b, b→c) so one translate pass reaches the fixed point."""
    table: dict[int, int] = {}
    for src in mapping:
        dst = mapping[src]
        seen = {src}
        while dst in mapping and dst not in seen:
            seen.add(dst)
            dst = mapping[dst]
        if dst != src:
            table[ord(src)] = ord(dst)
    return table


@functools.cache
def _strict_table() -> dict[int, int | None]:
    mapping = _load_joyokanji_tables()
    mapping.update(KANJI_VARIANTS)
    table: dict[int, int | None] = dict(_close(mapping))
    table.update(_HIRAGANA_TO_KATAKANA)
    table.update(_VARIATION_SELECTORS)
    return table


@functools.cache
def _loose_table() -> dict[int, int | None]:
    mapping = _load_joyokanji_tables()
    mapping.update(KANJI_VARIANTS)
    mapping.update(LOOSE_KANJI_VARIANTS)
    table: dict[int, int | None] = dict(_close(mapping))
    table.update(_HIRAGANA_TO_KATAKANA)
    table.update(_VARIATION_SELECTORS)
    return table


def _fold_once(s: str, table: dict[int, int | None]) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    s = _WHITESPACE_RE.sub("", s).translate(table)
    return unicodedata.normalize("NFKC", s)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def fold_text(s: str) -> str:
    """Fold text for search and comparison: NFKC, width, case, kana, kanji variants, no whitespace.

    Idempotent, and for ordinary text (no combining marks at the joint) ``fold_text(a + b) ==
    fold_text(a) + fold_text(b)``, so a stored concatenation can be searched with ``LIKE '%q%'``.
    """
    if s.isascii():
        return _WHITESPACE_RE.sub("", s.lower())
    table = _strict_table()
    out = _fold_once(s, table)
    # Rare inputs (combining marks next to removed spaces, casefold expansions) need a second pass.
    while True:
        again = _fold_once(out, table)
        if again == out:
            return out
        out = again


@functools.lru_cache(maxsize=_CACHE_SIZE)
def fold_loose(s: str) -> str:
    """Fold like :func:`fold_text`, and also merge look-alike surnames (斎/斉, 竜/龍) for blocking."""
    if s.isascii():
        return _WHITESPACE_RE.sub("", s.lower())
    table = _loose_table()
    out = _fold_once(s, table)
    while True:
        again = _fold_once(out, table)
        if again == out:
            return out
        out = again


_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f々〆]")


def has_kanji(s: str) -> bool:
    """Tell whether ``s`` contains a CJK ideograph (or 々/〆)."""
    return _KANJI_RE.search(s) is not None


# --------------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# E-mail and domains
# --------------------------------------------------------------------------------------------------

#: Local parts of shared inboxes: they say nothing about the person.
ROLE_LOCAL_PARTS: frozenset[str] = frozenset(
    [
        "info",
        "information",
        "sales",
        "contact",
        "contacts",
        "support",
        "help",
        "helpdesk",
        "admin",
        "administrator",
        "office",
        "hr",
        "jinji",
        "recruit",
        "recruiting",
        "recruitment",
        "saiyo",
        "saiyou",
        "career",
        "careers",
        "pr",
        "press",
        "media",
        "koho",
        "kouhou",
        "webmaster",
        "postmaster",
        "hostmaster",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mail",
        "email",
        "inquiry",
        "inquiries",
        "enquiry",
        "toiawase",
        "otoiawase",
        "service",
        "customer",
        "cs",
        "eigyo",
        "eigyou",
        "soumu",
        "somu",
        "keiri",
        "billing",
        "accounts",
        "accounting",
        "marketing",
        "team",
        "hello",
        "office-info",
        "general",
        "reception",
        "uketsuke",
        "order",
        "orders",
        "shop",
        "store",
        "news",
    ]
)
_ROLE_PREFIXES: frozenset[str] = frozenset(
    {"info", "sales", "support", "contact", "inquiry", "toiawase", "noreply", "no-reply", "recruit", "saiyo"}
)

#: Free, ISP and carrier mail domains (suffix match): weak evidence for the person, none for the company.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.co.jp",
        "yahoo.com",
        "ymail.com",
        "yahoo.co.uk",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.jp",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.jp",
        "outlook.co.jp",
        "live.com",
        "live.jp",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "mail.com",
        "zoho.com",
        "yandex.ru",
        "yandex.com",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "hanmail.net",
        "fastmail.com",
        "tutanota.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "disney.ne.jp",
        "willcom.com",
        "y-mobile.ne.jp",
        "ymobile.ne.jp",
        "emobile.ne.jp",
        "pdx.ne.jp",
        "rakuten.jp",
        "uqmobile.jp",
        "nifty.com",
        "nifty.ne.jp",
        "biglobe.ne.jp",
        "so-net.ne.jp",
        "ocn.ne.jp",
        "plala.or.jp",
        "dion.ne.jp",
        "excite.co.jp",
        "infoseek.jp",
        "goo.jp",
        "mail.goo.ne.jp",
        "livedoor.com",
        "zag.ne.jp",
        "jcom.home.ne.jp",
        "home.ne.jp",
        "ybb.ne.jp",
        "bb.excite.co.jp",
        "kvp.biglobe.ne.jp",
        "mbr.nifty.com",
    ]
)


# Plain ASCII addresses (the vast majority) are checked by this pattern; anything else by email-validator.
_SIMPLE_EMAIL_RE = re.compile(
    r"^(?=.{6,254}$)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def normalize_email(raw: str) -> str:
    """Validate an e-mail address offline and return it lower-cased; raise ValueError when invalid."""
    s = unicodedata.normalize("NFKC", raw or "").strip()
    if s.lower().startswith("mailto:"):
        s = s[7:]
    s = _WHITESPACE_RE.sub("", s)
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


# --------------------------------------------------------------------------------------------------
# Company names
# --------------------------------------------------------------------------------------------------

_JA_LEGAL_FORMS = [
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "独立行政法人",
    "国立大学法人",
    "地方独立行政法人",
    "社会福祉法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "相互会社",
    "NPO法人",
    "学校法人",
    "医療法人社団",
    "医療法人財団",
    "医療法人",
    "宗教法人",
    "社団法人",
    "財団法人",
]
_JA_ABBREVIATIONS = [
    "株",
    "有",
    "同",
    "資",
    "名",
    "社",
    "財",
    "一社",
    "一財",
    "公社",
    "公財",
    "医",
    "学",
    "福",
    "独",
    "特非",
    "合",
]
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


@functools.lru_cache(maxsize=_CACHE_SIZE)
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


# --------------------------------------------------------------------------------------------------
# Romaji keys
# --------------------------------------------------------------------------------------------------

_KANA_DIGRAPHS: dict[str, str] = {
    "キャ": "kya",
    "キュ": "kyu",
    "キョ": "kyo",
    "シャ": "sya",
    "シュ": "syu",
    "ショ": "syo",
    "シェ": "sye",
    "チャ": "tya",
    "チュ": "tyu",
    "チョ": "tyo",
    "チェ": "tye",
    "ニャ": "nya",
    "ニュ": "nyu",
    "ニョ": "nyo",
    "ヒャ": "hya",
    "ヒュ": "hyu",
    "ヒョ": "hyo",
    "ミャ": "mya",
    "ミュ": "myu",
    "ミョ": "myo",
    "リャ": "rya",
    "リュ": "ryu",
    "リョ": "ryo",
    "ギャ": "gya",
    "ギュ": "gyu",
    "ギョ": "gyo",
    "ジャ": "zya",
    "ジュ": "zyu",
    "ジョ": "zyo",
    "ジェ": "zye",
    "ヂャ": "zya",
    "ヂュ": "zyu",
    "ヂョ": "zyo",
    "ビャ": "bya",
    "ビュ": "byu",
    "ビョ": "byo",
    "ピャ": "pya",
    "ピュ": "pyu",
    "ピョ": "pyo",
    "ファ": "ha",
    "フィ": "hi",
    "フェ": "he",
    "フォ": "ho",
    "ティ": "ti",
    "ディ": "di",
    "デュ": "dyu",
    "ウィ": "wi",
    "ウェ": "we",
    "ウォ": "wo",
    "ヴァ": "ba",
    "ヴィ": "bi",
    "ヴェ": "be",
    "ヴォ": "bo",
}
_KANA_MONOGRAPHS: dict[str, str] = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヰヱヲン"
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ",
        [
            "a",
            "i",
            "u",
            "e",
            "o",
            "ka",
            "ki",
            "ku",
            "ke",
            "ko",
            "sa",
            "si",
            "su",
            "se",
            "so",
            "ta",
            "ti",
            "tu",
            "te",
            "to",
            "na",
            "ni",
            "nu",
            "ne",
            "no",
            "ha",
            "hi",
            "hu",
            "he",
            "ho",
            "ma",
            "mi",
            "mu",
            "me",
            "mo",
            "ya",
            "yu",
            "yo",
            "ra",
            "ri",
            "ru",
            "re",
            "ro",
            "wa",
            "i",
            "e",
            "o",
            "n",
            "ga",
            "gi",
            "gu",
            "ge",
            "go",
            "za",
            "zi",
            "zu",
            "ze",
            "zo",
            "da",
            "zi",
            "zu",
            "de",
            "do",
            "ba",
            "bi",
            "bu",
            "be",
            "bo",
            "pa",
            "pi",
            "pu",
            "pe",
            "po",
            "bu",
            "a",
            "i",
            "u",
            "e",
            "o",
            "ya",
            "yu",
            "yo",
            "wa",
        ],
        strict=True,
    )
)
_ROMAJI_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"[^a-z]", ""),
        (r"tch", "tt"),
        (r"shi", "si"),
        (r"sh", "sy"),
        (r"chi", "ti"),
        (r"ch", "ty"),
        (r"tsu", "tu"),
        (r"dzu", "zu"),
        (r"du", "zu"),
        (r"di", "zi"),
        (r"ji", "zi"),
        (r"j", "zy"),
        (r"fu", "hu"),
        (r"f", "h"),
        (r"m(?=[bpm])", "n"),
        (r"oh(?![aeiouy])", "o"),
        (r"o[ou]+", "o"),
        (r"uu+", "u"),
        (r"aa+", "a"),
        (r"ee+", "e"),
        (r"(.)\1+", r"\1\1"),
    ]
]


def _kana_to_romaji(kata: str) -> str:
    out: list[str] = []
    i = 0
    geminate = False
    while i < len(kata):
        pair = kata[i : i + 2]
        ch = kata[i]
        if pair in _KANA_DIGRAPHS:
            syl = _KANA_DIGRAPHS[pair]
            i += 2
        elif ch in _KANA_MONOGRAPHS:
            syl = _KANA_MONOGRAPHS[ch]
            i += 1
        elif ch == "ッ":
            geminate = True
            i += 1
            continue
        elif ch == "ー":
            i += 1  # long vowel mark: folded away like ou/oo
            continue
        else:
            out.append(ch)
            i += 1
            continue
        if geminate and syl[0] not in "aeiou":
            syl = syl[0] + syl
        geminate = False
        out.append(syl)
    return "".join(out)


def _fold_romaji(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # ン before a vowel or y written as n' in Hepburn: keep it as "n" (the apostrophe goes below).
    while True:
        before = s
        for pattern, repl in _ROMAJI_RULES:
            s = pattern.sub(repl, s)
        if s == before:
            return s


@functools.lru_cache(maxsize=_CACHE_SIZE)
def romaji_key(s: str) -> str:
    """Return a folded romaji key from kana or romaji (オオノ, おおの, Ōno, Ohno → "ono"); "" for kanji."""
    if not s or has_kanji(s):
        return ""
    text = unicodedata.normalize("NFKC", s).translate(_HIRAGANA_TO_KATAKANA)
    return _fold_romaji(_kana_to_romaji(text))


@functools.cache
def _kakasi() -> object:
    import pykakasi

    return pykakasi.kakasi()


@functools.lru_cache(maxsize=_CACHE_SIZE)
def guess_romaji_key(kanji: str) -> str:
    """Guess a romaji key for a kanji name (pykakasi after variant folding); "" when it cannot.

    A guess, not a reading: 淳 may be Jun, Atsushi or Makoto. Use it as weak evidence only.
    """
    folded = fold_text(kanji)
    if not folded:
        return ""
    parts = _kakasi().convert(folded)  # type: ignore[attr-defined]
    romaji = "".join(str(p.get("hepburn", "")) for p in parts)
    if not romaji or "?" in romaji or has_kanji(romaji) or not romaji.isascii():
        return ""
    return _fold_romaji(romaji)


def romaji_tokens(s: str) -> list[str]:
    """Return the romaji keys of each whitespace- or comma-separated part of ``s`` (name order kept)."""
    if not s or has_kanji(s):
        return []
    parts = re.split(r"[\s,、・･/]+", unicodedata.normalize("NFKC", s).strip())
    return [k for k in (romaji_key(p) for p in parts) if k]


# --------------------------------------------------------------------------------------------------
# Postal codes and addresses
# --------------------------------------------------------------------------------------------------


def normalize_postal_code(s: str) -> str:
    """Return a Japanese postal code as 7 digits (〒100-0001 → 1000001), or "" when it is not one."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", s or ""))
    return digits if len(digits) == 7 else ""


_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER_RE = re.compile(
    r"[〇零一二三四五六七八九十百]+(?=丁目|番|号|階|[のノ][0-9〇一二三四五六七八九十])"
)
_DASHES_RE = re.compile(r"[‐‑‒–—―−－ー―ｰ~〜～]")
_POSTAL_PREFIX_RE = re.compile(r"^\s*(?:〒|郵便番号)?\s*\d{3}\s*-\s*\d{4}\s*")


def _kanji_number(s: str) -> str:
    total = 0
    current = 0
    for ch in s:
        if ch in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return str(total + current)


_DASH_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)[" + _DASHES_RE.pattern[1:-1] + r"](?=\d)")
_ADDRESS_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(\d+)丁目"), r"\1-"),
    (re.compile(r"(\d+)番地?[のノ]?"), r"\1-"),
    (re.compile(r"(\d+)号(?!館|室|棟)"), r"\1"),
    (re.compile(r"(?<=\d)[のノ](?=\d)"), "-"),
    (re.compile(r"(\d+)階"), r"\1f"),
    (re.compile(r"-+(?!\d)"), ""),
]


@functools.lru_cache(maxsize=_CACHE_SIZE)
def normalize_address(s: str) -> str:
    """Unify a Japanese address: fold, then kanji numerals, 丁目/番(地)/号 and dash forms to "1-2-3"."""
    if not s:
        return ""
    t = _POSTAL_PREFIX_RE.sub("", fold_text(s))
    t = _KANJI_NUMBER_RE.sub(lambda m: _kanji_number(m.group(0)), t)
    t = _DASH_BETWEEN_DIGITS_RE.sub("-", t)
    while True:
        before = t
        for pattern, repl in _ADDRESS_RULES:
            t = pattern.sub(repl, t)
        if t == before:
            return t
