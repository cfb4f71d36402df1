"""Rules for machine-like fields: email, URL, phone numbers, postal code and address."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from ocr.fields.vocab import JP_ADDRESS_MARK, PREFECTURES
from ocr.layout import Line

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
_EMAIL = re.compile(r"([A-Za-z0-9][A-Za-z0-9._%+\-]*)\s?@\s?([A-Za-z0-9\-]+(?:\s?\.\s?[A-Za-z0-9\-]+)+)")
_URL = re.compile(
    r"((?:https?\s?:\s?/\s?/\s?)?(?:www\s?\.\s?)?[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,6}(?:/[^\s]*)?)",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(\+\s?\d{1,3}\s?(?:\(0\)\s?)?)?(\(?\d[\d\s().\-‐－−–—]{6,}\d)(\s?(?:x|ext\.?|内線)\s?\d{1,6})?",
    re.IGNORECASE,
)
_FAX_LABEL = re.compile(r"(FAX|Fax|fax|F|ファックス|ファクス|ＦＡＸ)\s*[.:：]?\s*$")
_MOBILE_LABEL = re.compile(
    r"(携帯電話|携帯|Mobile|mobile|MOBILE|Mob|mob|M|Cell|cell|CELL|C|HP|Handy)\s*[.:：]?\s*$"
)
_PHONE_LABEL = re.compile(
    r"(TEL|Tel|tel|T|電話|Phone|phone|PHONE|P|Direct|直通|代表|Office|Ph)\s*[.:：]?\s*$"
)
_POSTAL = re.compile(
    r"(〒|〶|T|干|テ|ㄒ|=|ー)?\s*(\d{3})\s*[-‐－−–—ー]\s*(\d{4})(?!\d)"
    r"|(〒|〶)\s*(\d{3})(\d{4})(?!\d)"  # 〒1000001: no hyphen, but the mark says what it is
)
_EN_ADDRESS = re.compile(
    r"\b(Street|St|Avenue|Ave|Road|Rd|Suite|Ste|Apt|Unit|Floor|Fl|Studio|Flat|Box|Lane|Ln|Drive|Dr|Blvd|"
    r"Boulevard|Way|Court|Ct|Place|Pl|Square|Sq|Park|Building|Bldg|Tower|Highway|Hwy|Parkway|Pkwy|Terrace|"
    r"Plaza|Track|Mill|Islands?|Courts|Cliffs|Fields|Lakes|Stream|Club|Crescent|Close|Gardens|Hill|Route)\b",
)
_US_ZIP = re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")


@dataclass(frozen=True)
class Match:
    """A value found on a line, with the rule's own certainty (before OCR confidence)."""

    value: str
    line: Line
    certainty: float
    extra: str | None = None


def _fix_tld(domain: str) -> tuple[str, bool]:
    parts = domain.split(".")
    tld = parts[-1]
    if tld in KNOWN_TLDS or len(parts) < 2:
        return domain, False
    for known in KNOWN_TLDS:
        if len(known) == len(tld) and sum(a != b for a, b in zip(known, tld, strict=True)) == 1:
            return ".".join([*parts[:-1], known]), True
    return domain, False


def find_email(lines: list[Line]) -> Match | None:
    """Find the e-mail address; OCR slips such as ④ for @ or .jD for .jp are repaired."""
    for line in lines:
        text = line.text.replace("④", "@").replace("(at)", "@").replace("©", "@").replace("®", "@")
        m = _EMAIL.search(text)
        if not m:
            continue
        local = m.group(1).strip(".")
        domain = re.sub(r"\s", "", m.group(2)).lower().strip(".-")
        domain, fixed = _fix_tld(domain)
        certainty = 0.75 if fixed else 0.97
        if domain.split(".")[-1] not in KNOWN_TLDS:
            certainty = 0.7
        return Match(value=f"{local.lower()}@{domain}", line=line, certainty=certainty)
    return None


def find_url(lines: list[Line], email: Match | None) -> Match | None:
    """Find the web address (a line with a scheme, www. or a domain that is not the e-mail)."""
    for line in lines:
        if "@" in line.text or (email is not None and line is email.line):
            continue
        for m in _URL.finditer(line.text):
            raw = re.sub(r"\s", "", m.group(1))
            lowered = raw.lower()
            has_scheme = lowered.startswith(("http:", "https:"))
            has_www = "www." in lowered
            host = re.sub(r"^https?:/*", "", lowered).split("/")[0]
            tld = host.split(".")[-1]
            if not (has_scheme or has_www or tld in KNOWN_TLDS):
                continue
            if re.fullmatch(r"[\d.]+", host):
                continue
            fixed_host, fixed = _fix_tld(host)
            if fixed:
                lowered = lowered.replace(host, fixed_host)
            if fixed_host.split(".")[-1] not in KNOWN_TLDS:
                continue
            certainty = 0.95 if (has_scheme or has_www) else 0.75
            if fixed:
                certainty -= 0.2
            value = lowered if lowered != raw.lower() else raw
            return Match(
                value=value.replace("Www.", "www.").replace("WWW.", "www."), line=line, certainty=certainty
            )
    return None


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


def to_e164(number: str, region: str) -> str | None:
    """Return the E.164 form of a printed number, or None when it is not a valid number."""
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


def find_phones(lines: list[Line], *, lang: str) -> dict[str, Match]:
    """Find phone, fax and mobile numbers by their labels, or by 070/080/090 for mobiles."""
    found: dict[str, Match] = {}
    unlabelled: list[Match] = []
    region = "JP" if lang == "ja" else "US"
    for line in lines:
        if "@" in line.text:
            continue
        text = line.text
        last_end = 0
        for m in _PHONE.finditer(text):
            number = m.group(0).strip(" -.")
            digits = _digits(number)
            if not 9 <= len(digits) <= 20:
                continue
            if _POSTAL.fullmatch(number.strip()):
                continue
            prefix = text[last_end : m.start()]
            last_end = m.end()
            kind = _label_before(prefix)
            e164 = to_e164(number, region)
            certainty = 0.95 if kind else 0.7
            if e164 is None:
                certainty -= 0.15
            match = Match(value=number, line=line, certainty=certainty, extra=e164)
            if kind is None:
                national = (
                    digits[2:] if digits.startswith("81") and number.startswith("+") else digits.lstrip("0")
                )
                if lang == "ja" and re.match(r"[789]0", national) and len(digits) in (11, 12):
                    kind = "mobile"
                    match = Match(value=number, line=line, certainty=0.85, extra=e164)
                else:
                    unlabelled.append(match)
                    continue
            if kind not in found:
                found[kind] = match
    if "phone" not in found and unlabelled:
        first = unlabelled[0]
        found["phone"] = Match(value=first.value, line=first.line, certainty=0.6, extra=first.extra)
    return found


def find_postal_and_address(
    lines: list[Line], *, lang: str, taken: set[int]
) -> tuple[Match | None, Match | None]:
    """Find the Japanese postal code (after 〒) and the address, or an English address."""
    if lang == "ja":
        return _find_jp_address(lines, taken)
    return None, _find_en_address(lines, taken)


def _find_jp_address(lines: list[Line], taken: set[int]) -> tuple[Match | None, Match | None]:
    for i, line in enumerate(lines):
        if id(line) in taken:
            continue
        m = _POSTAL.search(line.text)
        if not m or m.start() > 3:
            continue
        rest = line.text[m.end() :].strip()
        mark, first, last = (
            (m.group(1), m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5), m.group(6))
        )
        has_mark = mark in ("〒", "〶")
        code = f"{first}-{last}"
        if not rest and i + 1 < len(lines):
            rest = lines[i + 1].text.strip()
        looks_like_address = bool(rest) and (
            rest.startswith(PREFECTURES) or bool(JP_ADDRESS_MARK.search(rest))
        )
        if not (has_mark or looks_like_address):
            continue
        postal = Match(value=code, line=line, certainty=0.95 if has_mark else 0.8)
        address = (
            Match(value=rest, line=line, certainty=0.85 if looks_like_address else 0.5) if rest else None
        )
        return postal, address
    for line in lines:
        if id(line) in taken:
            continue
        text = line.text
        looks_like_address = text.startswith(PREFECTURES) or bool(
            JP_ADDRESS_MARK.search(text) and re.search(r"\d", text)
        )
        if looks_like_address and len(line.compact) >= 8 and "@" not in text:
            return None, Match(value=text, line=line, certainty=0.7)
    return None, None


def _en_address_score(text: str) -> float:
    if "@" in text or re.search(r"https?:|www\.", text, re.IGNORECASE):
        return 0.0
    score = 0.0
    if _US_ZIP.search(text) or _UK_POSTCODE.search(text):
        score += 0.5
    if _EN_ADDRESS.search(text):
        score += 0.4
    if re.match(r"^\d+\s+\w", text):
        score += 0.2
    return score


def _find_en_address(lines: list[Line], taken: set[int]) -> Match | None:
    best: list[Line] = []
    best_score = 0.0
    i = 0
    while i < len(lines):
        line = lines[i]
        score = _en_address_score(line.text) if id(line) not in taken else 0.0
        if score >= 0.4:
            group = [line]
            total = score
            j = i + 1
            while j < len(lines) and id(lines[j]) not in taken:
                nxt = _en_address_score(lines[j].text)
                if nxt < 0.4 or abs(lines[j].height - line.height) > 0.35 * line.height:
                    break
                group.append(lines[j])
                total += nxt
                j += 1
            if total > best_score:
                best, best_score = group, total
            i = j
        else:
            i += 1
    if not best:
        return None
    value = " ".join(line.text for line in best)
    return Match(value=value, line=best[0], certainty=min(0.9, 0.5 + 0.4 * best_score))
