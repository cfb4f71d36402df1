"""Rules for machine-like fields: email, URL, phone numbers, postal code and address."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

import phonenumbers

from ocr.engine import Word
from ocr.fields.names import jp_romaji_given, jp_romaji_surnames, latin_first_names, latin_last_names
from ocr.fields.vocab import COUNTRY_REGIONS
from ocr.layout import Line, group_lines
from ocr.ppocr import Framing
from ocr.result import Field

# Common top-level domains; an unknown TLD one edit away from one of these is an OCR slip.
KNOWN_TLDS = frozenset(
    [
        "jp",
        "com",
        "net",
        "org",
        "io",
        "co",
        "biz",
        "info",
        "us",
        "uk",
        "de",
        "fr",
        "cn",
        "kr",
        "tw",
        "hk",
        "sg",
        "au",
        "ca",
        "nz",
        "eu",
        "ai",
        "app",
        "dev",
        "tech",
        "me",
        "tv",
        "asia",
    ]
)
_URL = re.compile(
    r"((?:https?\s?:\s?/\s?/\s?)?(?:www\s?\.\s?)?[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,6}(?:/[!-~]*)?)",  # (a path is ASCII: Japanese text run on after it is not part of it)
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(\+\s?\d{1,3}[\s\-.]?(?:\(0\)\s?)?)?(\(?\d[\d\s().\-‐－−–—'’·〜～~]{6,}\d)(\s?(?:x|ext\.?|内線)\s?\d{1,6})?",
    re.IGNORECASE,
)
# (small kana are often read full size: フアックス, フアクス; the ァ may be lost or misread, フックス, フ7ックス)
_FAX_LABEL = re.compile(r"(FAX|Fax|fax|F|フ[ァア7ア]?[ッツ]?クス|ＦＡＸ)\s*[.:：]?\s*$")
_MOBILE_LABEL = re.compile(
    # 携帯 also in its traditional forms (攜, 帶), which a recognizer trained on Chinese reads
    r"([携攜][帯帶](?:電話)?|Mobile|mobile|MOBILE|Mob|mob|MOB|M|Cell|cell|CELL|C|HP|Handy|GSM)\s*[.:：]?\s*$"
)
_PHONE_LABEL = re.compile(
    r"(TEL|Tel|tel|T|電話|Phone|phone|PHONE|P|Direct|DIRECT|直通|代表|Office|OFFICE|Ph|Main|Landline)\s*[.:：]?\s*$"
)
JP_POSTAL = re.compile(
    r"(〒|〶|T|干|テ|ㄒ|=|ー)?\s*(\d{3})\s*[-‐－−–—ー'’]\s*(\d{4})(?!\d)"
    # 〒1000001: no hyphen, but the mark says what it is; 〒867l6633: the hyphen printed upright in a column
    r"|(〒|〶|亍)\s*(\d{3})[1lI|｜]?(\d{4})(?!\d)"
)


@functools.lru_cache(maxsize=1)
def _suffix_list() -> Any:
    """Return a tldextract extractor over the public suffix list snapshot it ships (no download)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=1)
def public_tlds() -> frozenset[str]:
    """Return every top-level domain of the public suffix list snapshot that tldextract ships."""
    return frozenset(suffix.rsplit(".", 1)[-1] for suffix in _suffix_list().tlds)


def registered_name(host: str) -> str:
    """Return the name a host is registered under, without its public suffix (``mail.fujii-bussan.co.jp`` ->
    ``fujii-bussan``)."""
    return str(_suffix_list()(host.lower()).domain)


def is_tld(label: str) -> bool:
    """Tell whether a label is a real top-level domain (``ma``, ``ae``, ``jp``, ...)."""
    return label.lower() in KNOWN_TLDS or label.lower() in public_tlds()


@dataclass(frozen=True)
class Match:
    """A value found on a line, with the rule's own certainty (before OCR confidence)."""

    value: str
    line: Line
    certainty: float
    extra: str | None = None


def _fix_tld(domain: str) -> tuple[str, bool]:
    """Repair a top-level domain that does not exist but is one letter away from a common one (.jD -> .jp)."""
    parts = domain.split(".")
    tld = parts[-1]
    if is_tld(tld) or len(parts) < 2:
        return domain, False
    for known in KNOWN_TLDS:
        if len(known) == len(tld) and sum(a != b for a, b in zip(known, tld, strict=True)) == 1:
            return ".".join([*parts[:-1], known]), True
    return domain, False


_HYPHEN_TLD = re.compile(r"-([a-z]{2,4})$", re.IGNORECASE)
_WEB_HOST = re.compile(r"(?:https?:/*)?www\.[A-Za-z0-9.\-]+", re.IGNORECASE)  # a web address's host, www. on


def _last_dot_read_as_hyphen(host: str) -> str:
    """Restore the dot before a host's top-level domain read as a hyphen (www.sora-consulting-jp): a host whose last
    label is no top-level domain but ends in a hyphen and a common one, or one a letter from it (``_fix_tld``)."""
    m = _HYPHEN_TLD.search(host)
    if m is None or "." not in host or is_tld(host.rsplit(".", 1)[-1]):
        return host
    if m.group(1) not in KNOWN_TLDS and not _fix_tld(f"x.{m.group(1)}")[1]:
        return host
    return f"{host[: m.start()]}.{m.group(1)}"


# A local part may be broken by OCR spaces after or before its dots, hyphens and underscores
# ("haruka. sasaki@..."); a plain space ends it.
_EMAIL = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9%+]|[._\-]\s?|\s[._\-](?=[A-Za-z0-9]))*)\s?@\s?"
    r"([A-Za-z0-9\-]+(?:\s?[.\-]\s?[A-Za-z0-9\-]+)*\s?\.\s?[A-Za-z]{2,12})"
)
_EMAIL_LABEL = re.compile(r"^(?:e-?mail|mail|e|m)[.\-_]\s?", re.IGNORECASE)
_AT_GLYPHS = ("④", "(at)", "©", "®", "ⓐ")


def _email_in(text: str) -> re.Match[str] | None:
    """Find an e-mail address, preferring a printed "@" to a glyph that may be one (an icon read as ©)."""
    m = _EMAIL.search(text)
    if m is not None:
        return m
    for glyph in _AT_GLYPHS:
        text = text.replace(glyph, "@")
    return _EMAIL.search(text)


def _without_glued_label(local: str) -> str:
    """Drop the label "E" printed against a lower-case address (Eguibert.christophe@ -> guibert.christophe@).

    Cards print addresses in lower case, so a capital E before an all lower-case rest is the label, unless
    the word it starts is a name (Emily@, Evans.j@ keep theirs).
    """
    if len(local) < 4 or local[0] != "E" or not local[1].isalnum() or any(c.isupper() for c in local[1:]):
        return local
    first = re.split(r"[._\-+]", local, maxsplit=1)[0].lower()
    if first in latin_first_names() or first in latin_last_names() or first in jp_romaji_surnames():
        return local
    if first in jp_romaji_given():
        return local
    return local[1:]


# An address whose domain has no dot at all but ends in "-" and a common top-level domain: the dot was read as a
# hyphen (a small dot in a turned column: okadar@axis-consulting-jp).
_EMAIL_DOT_AS_HYPHEN = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._%+\-]*)@([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)-([A-Za-z]{2,4})(?![A-Za-z0-9.@\-])"
)


def _dot_read_as_hyphen(line: Line) -> Match | None:
    """Find an address whose only dot, before its top-level domain, was read as a hyphen (lower certainty).

    The top-level domain must be a common one, or one letter away from one (``-Jj`` -> ``.jp``, as ``_fix_tld``).
    """
    m = _EMAIL_DOT_AS_HYPHEN.search(line.text)
    if m is None:
        return None
    tld = m.group(3).lower()
    domain, fixed = _fix_tld(f"{m.group(2).lower()}.{tld}")
    if tld not in KNOWN_TLDS and not fixed:
        return None
    local = _without_glued_label(m.group(1).strip("."))
    return Match(value=f"{local.lower()}@{domain}", line=line, certainty=0.6 if fixed else 0.75)


def find_email(lines: list[Line]) -> Match | None:
    """Find the e-mail address, rejoined across OCR spaces; slips such as ④ for @ or .jD for .jp are repaired."""
    for line in lines:
        m = _email_in(line.text)
        if not m:
            if (mended := _dot_read_as_hyphen(line)) is not None:
                return mended
            continue
        local = re.sub(r"\s", "", m.group(1)).strip(".")
        if local != m.group(1).strip("."):  # a label joined by the rejoining ("E. haruka...")
            local = _EMAIL_LABEL.sub("", local) if _EMAIL_LABEL.match(local) and len(local) > 4 else local
        local = _without_glued_label(local)
        domain = re.sub(r"\s", "", m.group(2)).lower().strip(".-")
        domain, fixed = _fix_tld(domain)
        certainty = 0.75 if fixed else 0.97
        if not is_tld(domain.split(".")[-1]):
            certainty = 0.7
        if " " in m.group(0).strip():
            certainty -= 0.1  # rejoined across spaces: a piece may be missing
        return Match(value=f"{local.lower()}@{domain}", line=line, certainty=certainty)
    return None


def find_url(lines: list[Line], email: Match | None) -> Match | None:
    """Find the web address (a scheme, www. or a known domain), rejoined across OCR spaces, not the e-mail."""
    for line in lines:
        text = line.text
        m_email = _email_in(text)
        if m_email is not None:
            text = text[: m_email.start()] + " " + text[m_email.end() :]
        text = re.sub(r"[@©®]", " ", text)  # an icon before the address
        text = re.sub(r"\bW(?=www\.)", "", text)  # the label W run into the address (Wwww.example.com)
        text = re.sub(r"\b[vw]{3}\s?[.:,]\s?(?=[A-Za-z0-9])", "www.", text, flags=re.IGNORECASE)
        text = re.sub(r"(?<=[A-Za-z0-9])\s?\.\s(?=(?:[a-z]{2,6})\b)", ".", text)  # "example. com"
        restored: set[str] = set()  # hosts whose last dot was read as a hyphen

        def restore(m: re.Match[str], restored: set[str] = restored) -> str:
            host = _last_dot_read_as_hyphen(m.group(0))
            if host != m.group(0):
                restored.add(re.sub(r"^https?:/*", "", host.lower()))
            return host

        text = _WEB_HOST.sub(restore, text)
        for m in _URL.finditer(text):
            raw = re.sub(r"\s", "", m.group(1)).rstrip(",;:.")
            lowered = raw.lower()
            has_scheme = lowered.startswith(("http:", "https:"))
            has_www = "www." in lowered
            host = re.sub(r"^https?:/*", "", lowered).split("/")[0]
            tld = host.split(".")[-1]
            # A bare domain: a common top-level domain, or the e-mail's own domain printed alone (falcon.ma).
            own = email is not None and host == email.value.split("@", 1)[1]
            if not (has_scheme or has_www or tld in KNOWN_TLDS or own):
                continue
            if re.fullmatch(r"[\d.]+", host):
                continue
            fixed_host, fixed = _fix_tld(host)
            if fixed:
                lowered = lowered.replace(host, fixed_host)
            fixed = fixed or host in restored
            if not is_tld(fixed_host.split(".")[-1]):
                continue
            certainty = 0.95 if (has_scheme or has_www) else 0.75
            if fixed:
                certainty -= 0.2
            value = lowered if lowered != raw.lower() else raw
            return Match(
                value=value.replace("Www.", "www.").replace("WWW.", "www."), line=line, certainty=certainty
            )
    return None


VALID_EMAIL = 0.97  # the certainty of an address read as printed: a real top-level domain, nothing rejoined


def _one_line(text: str) -> list[Line]:
    return group_lines([Word(text=text, confidence=1.0, box=(0, 0, 1, 1))])


def _has_at(text: str) -> bool:
    return "@" in text or any(glyph in text for glyph in _AT_GLYPHS)


class WebLines:
    """The second look (``ocr.ppocr.SecondLook``) at e-mail and web-address lines.

    A line with an ``@`` (or a glyph read for one) or a web address is read again from a widened crop; the new
    reading replaces the first only when it validates: an e-mail address with a real top-level domain, nothing
    rejoined or repaired, or a web address on a real top-level domain.
    """

    # Widened: greedy CTC then has more steps per letter, so narrow or doubled letters that shared one step come
    # back. Measured on e-mail and web-address lines: 1.5 mends the most (cliford -> clifford, tanakabussn ->
    # tanakabussan, mailinks -> mail.links) and breaks the fewest; 2.0 breaks some.
    framings: tuple[Framing, ...] = (Framing(stretch=1.5),)
    # Only a line whose first reading shows some doubt (``ocr.ppocr.missed_character``) is read again. Measured on
    # the 304 e-mail and web lines of both folders' candidate readings (2.6.0, every line read again): 41 changed,
    # and every change that mended a value had evidence of 0.07 or more (tsu11, clifford, mail.links, fujii,
    # terrasystems, tanakabussan, sakurasystems); under 0.05 lie 178 lines (59%), whose changes were spaces, one
    # `https:/` the URL rule reads either way, and one `https://` broken into `https:/`. Every field of both
    # folders reads as it did with every line read again.
    doubt: float = 0.05

    def wants(self, text: str) -> bool:
        """Tell whether the line holds, or may hold, an e-mail or web address."""
        return _has_at(text) or find_url(_one_line(text), None) is not None

    def choose(self, first: tuple[str, float], again: list[tuple[str, float]]) -> tuple[str, float]:
        """Keep the widened reading when it differs from the first and validates."""
        return again[0] if again[0][0] != first[0] and self.accepts(again[0][0]) else first

    def accepts(self, text: str) -> bool:
        """Tell whether a second reading validates (an e-mail line must give a valid e-mail)."""
        lines = _one_line(text)
        if _has_at(text):
            email = find_email(lines)
            return email is not None and email.certainty >= VALID_EMAIL
        url = find_url(lines, None)
        return url is not None and url.certainty >= 0.75


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _label_before(prefix: str) -> str | None:
    """Classify the text before a number by its label: phone, fax, mobile or None."""
    tail = prefix.strip()[-14:]
    if _FAX_LABEL.search(tail):
        return "fax"
    if _MOBILE_LABEL.search(tail):
        return "mobile"
    if _PHONE_LABEL.search(tail):
        return "phone"
    return None


# A hyphen or bracket between digits read as an apostrophe, a middle dot or a wave dash (011〜808)1310).
_ODD_SEPARATOR = re.compile(r"['’·〜～~]")


def to_e164(number: str, region: str) -> str | None:
    """Return the E.164 form of a printed number, or None when it is not a valid number."""
    number = _ODD_SEPARATOR.sub("-", number)
    if number.lstrip().startswith("+"):
        number = number.replace("(0)", "")  # the trunk zero printed for domestic callers: +44 (0)20 ...
    candidates = [region] + [r for r in ("JP", "US", "GB") if r != region]
    for reg in candidates:
        try:
            parsed = phonenumbers.parse(number, reg)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if number.strip().startswith("+"):
            break
    return None


@dataclass(frozen=True)
class PhoneCandidate:
    """A number printed on the card: its kind from a label or the numbering plan, and whether a label said so."""

    kind: str | None  # phone, fax, mobile; None: a fixed line without a label
    match: Match
    labelled: bool


def _trim_glyph(number: str, region: str) -> str:
    """Drop a leading one-character token (an icon read as "0" or "9") when the rest is the valid number."""
    m = re.match(r"^\(?\d\)?\s+(?=[+(\d])", number)
    if m and to_e164(number, region) is None and to_e164(number[m.end() :], region) is not None:
        return number[m.end() :]
    return number


def _plan_kind(number: str, region: str) -> str | None:
    """Return "mobile" when the numbering plan says the number is a mobile one (JP 090, UK 07, FR 06, ...)."""
    number = _ODD_SEPARATOR.sub("-", number)
    if number.lstrip().startswith("+"):
        number = number.replace("(0)", "")
    for reg in (region, "JP", "US", "GB"):
        try:
            parsed = phonenumbers.parse(number, reg)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            kind = phonenumbers.number_type(parsed)
            return (
                "mobile"
                if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.PAGER)
                else None
            )
        if number.strip().startswith("+"):
            break
    return None


_REGION_OF_COUNTRY = {name.lower(): region for name, region in COUNTRY_REGIONS.items()}
# A country named as a whole word (the longest name first: "United Arab Emirates" before "UAE").
_COUNTRY_NAME = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(COUNTRY_REGIONS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)
_HOST = re.compile(r"(?:@|//|\bwww\.)([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)", re.I)


def card_region(lines: list[Line], *, lang: str) -> str:
    """The region whose numbering plan reads numbers printed without a country code.

    A Japanese card is JP. An English card is read in the country its address names, else in the country of
    its e-mail's or web address's country-code domain (.sg, .uk, .fr), else as a US card.
    """
    if lang == "ja":
        return "JP"
    text = "\n".join(line.text for line in lines)
    named = _COUNTRY_NAME.search(text)
    if named:
        return _REGION_OF_COUNTRY[named.group(1).lower()]
    for m in _HOST.finditer(text):
        tld = m.group(1).rsplit(".", 1)[-1].lower()
        region = "GB" if tld == "uk" else tld.upper()
        if len(tld) == 2 and region in phonenumbers.SUPPORTED_REGIONS and tld not in ("io", "ai", "me", "tv"):
            return region
    return "US"


def phone_candidates(lines: list[Line], *, lang: str) -> list[PhoneCandidate]:
    """Every number on the card in reading order, typed by its label, else by the numbering plan."""
    found: list[PhoneCandidate] = []
    region = card_region(lines, lang=lang)
    for line in lines:
        text = line.text
        if "@" in text:
            m_email = _email_in(text)
            text = (
                (text[: m_email.start()] + " " * (m_email.end() - m_email.start()) + text[m_email.end() :])
                if m_email
                else text
            )
        last_end = 0
        for m in _PHONE.finditer(text):
            number = _trim_glyph(m.group(0).strip(" -.'’"), region)
            digits = _digits(number)
            if not 8 <= len(digits) <= 20 or JP_POSTAL.fullmatch(number.strip()):
                continue
            if re.fullmatch(r"\d{5}-\d{4}", number.strip()):  # a US ZIP+4 code, not a number to call
                continue
            if len(digits) == 8 and not number.startswith("+") and to_e164(number, region) is None:
                continue
            prefix = re.sub(r"(?<=[\u3040-\u30ff]) (?=[\u3040-\u30ff])", "", text[last_end : m.start()])
            last_end = m.end()
            kind = _label_before(prefix)
            e164 = to_e164(number, region)
            certainty = 0.95 if kind else 0.7
            if e164 is None:
                certainty -= 0.15
            labelled = kind is not None
            if kind is None and e164 is not None and _plan_kind(number, region) == "mobile":
                kind, certainty = "mobile", 0.85
            found.append(
                PhoneCandidate(
                    kind=kind,
                    match=Match(value=number, line=line, certainty=certainty, extra=e164),
                    labelled=labelled,
                )
            )
    return found


def _same_column(line: Line, anchor: tuple[int, int, int, int]) -> bool:
    x, _, w, _ = line.box
    ax, _, aw, _ = anchor
    return min(x + w, ax + aw) - max(x, ax) > 0


def choose_phones(
    candidates: list[PhoneCandidate], *, anchor: tuple[int, int, int, int] | None = None
) -> tuple[dict[str, Match], list[Match]]:
    """Pick one phone, fax and mobile; return them and the other numbers (further offices) in order.

    With several offices, the numbers in the column of the main address (``anchor``) win. An unlabelled
    fixed line is the phone; a second one (icons instead of labels, usually telephone then fax) the fax,
    with less certainty.
    """
    ordered = list(candidates)
    if anchor is not None and any(_same_column(c.match.line, anchor) for c in ordered):
        ordered.sort(key=lambda c: not _same_column(c.match.line, anchor))
    chosen: dict[str, Match] = {}
    for c in ordered:
        if c.kind is not None and c.kind not in chosen:
            chosen[c.kind] = c.match
    unlabelled = [c for c in ordered if c.kind is None]
    for index, c in enumerate(unlabelled):
        if "phone" not in chosen:
            chosen["phone"] = Match(
                value=c.match.value,
                line=c.match.line,
                certainty=0.6 if index == 0 else 0.5,
                extra=c.match.extra,
            )
        elif "fax" not in chosen and not any(k.labelled for k in candidates):
            chosen["fax"] = Match(value=c.match.value, line=c.match.line, certainty=0.45, extra=c.match.extra)
    seen = {_digits(m.value) for m in chosen.values()}
    extra = []
    for c in ordered:
        if _digits(c.match.value) not in seen:
            seen.add(_digits(c.match.value))
            extra.append(c.match)
    return chosen, extra


def find_phones(lines: list[Line], *, lang: str) -> dict[str, Match]:
    """Find phone, fax and mobile numbers by their labels, else by the numbering plan and their order."""
    return choose_phones(phone_candidates(lines, lang=lang))[0]


def _one_double_read_once(double: str, single: str) -> bool:
    """Tell whether ``single`` is ``double`` with one doubled letter read once (fujii-bussan, fuji-bussan)."""
    return len(double) == len(single) + 1 and any(
        double[i] == double[i + 1] and double[:i] + double[i + 1 :] == single for i in range(len(double) - 1)
    )


def mend_doubled_letter(fields: dict[str, Field]) -> tuple[dict[str, Field], list[str]]:
    """Give the e-mail and the web address one registered name when one of them reads a doubled letter of the
    other once (fuji-bussan.com beside fujii-bussan.com): greedy CTC decoding joins a letter repeated on
    consecutive steps unless a blank step parts them, so a doubled letter comes out single now and then, and a
    single one doubled hardly ever. Returns the fields and a warning per change."""
    email, url = fields.get("email"), fields.get("url")
    if email is None or url is None or "@" not in email.value:
        return fields, []
    local, mail_host = email.value.split("@", 1)
    scheme, _, web_host = url.value.rpartition("//")
    mail, web = registered_name(mail_host), registered_name(web_host.split("/")[0])
    if _one_double_read_once(mail, web):
        name, value = (
            "url",
            f"{scheme}//{web_host.replace(web, mail, 1)}" if scheme else web_host.replace(web, mail, 1),
        )
    elif _one_double_read_once(web, mail):
        name, value = "email", f"{local}@{mail_host.replace(mail, web, 1)}"
    else:
        return fields, []
    field = fields[name]
    return {**fields, name: replace(field, value=value)}, [
        f"{name}: {field.value} corrected to {value} (a doubled letter the other address reads, read once)"
    ]
