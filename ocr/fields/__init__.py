"""Turn recognised lines into card fields with value, confidence and box.

Machine-like fields (e-mail, URL, phones, postal code) are found first; the lines they
use are then excluded from the person and organisation rules, so a phone line can never
become a name and a slogan (no legal form, no name evidence) never becomes the company.
Each field's confidence is the rule's certainty times the OCR confidence of its line.
"""

from __future__ import annotations

from ocr.fields.address import find_postal_and_address
from ocr.fields.contact import Match, choose_phones, find_email, find_url, phone_candidates, to_e164
from ocr.fields.people import (
    find_company,
    find_name,
    find_org_parts,
    find_readings,
    name_run_into_title,
    split_name_line,
)
from ocr.layout import Line, is_cjk, join_cjk
from ocr.result import PHONE_FIELDS, Field

__all__ = ["detect_lang", "extract_fields", "to_e164"]


def detect_lang(lines: list[Line]) -> str:
    """Return "ja" when the card has a meaningful amount of kana or kanji, else "en"."""
    cjk = sum(1 for line in lines if line.confidence > 0.5 for c in line.text if is_cjk(c))
    return "ja" if cjk >= 6 else "en"


def _field(name: str, match: Match, side: str, *, is_phone: bool = False) -> Field:
    # The line's mean word confidence says how well it was read overall, its weakest word
    # whether one character may be wrong; both pull the field's raw score down. The pipeline
    # calibrates the score once the card is read (ocr.fields.calibration).
    ocr = 0.5 * match.line.confidence + 0.5 * match.line.weakest
    raw = max(0.0, min(1.0, match.certainty * (0.3 + 0.7 * ocr)))
    return Field(
        value=match.value,
        confidence=raw,
        box=match.line.box,
        side=side,
        e164=match.extra if is_phone else None,
        is_phone=is_phone,
    )


def extract_fields(
    lines: list[Line], *, side: str = "front", lang: str | None = None
) -> tuple[str, dict[str, Field]]:
    """Extract all fields from the lines of one card side; return (lang, fields)."""
    lang = lang or detect_lang(lines)
    fields: dict[str, Field] = {}
    taken: set[int] = set()

    email = find_email(lines)
    if email:
        fields["email"] = _field("email", email, side)
        taken.add(id(email.line))
    url = find_url(lines, email)
    if url:
        fields["url"] = _field("url", url, side)
        taken.add(id(url.line))
    candidates = phone_candidates(lines, lang=lang)
    postal, address = find_postal_and_address(
        lines, lang=lang, taken=taken | {id(c.match.line) for c in candidates}
    )
    anchor = address.line.box if address is not None else None
    phones, other_phones = choose_phones(candidates, anchor=anchor)
    for kind in PHONE_FIELDS:
        if kind in phones:
            fields[kind] = _field(kind, phones[kind], side, is_phone=True)
    if other_phones:  # other offices' numbers: kept, after the main office's
        joined = Match(
            value="; ".join(m.value for m in other_phones),
            line=other_phones[0].line,
            certainty=min(m.certainty for m in other_phones),
        )
        fields["other_phones"] = _field("other_phones", joined, side)
    taken.update(id(c.match.line) for c in candidates)
    if postal:
        fields["postal_code"] = _field("postal_code", postal, side)
        taken.add(id(postal.line))
    if address:
        fields["address"] = _field("address", address, side)
        taken.add(id(address.line))

    domain = None
    source = email.value.split("@", 1)[1] if email else (url.value if url else None)
    if source:
        host = source.lower().split("//")[-1].split("/")[0]
        host = host[4:] if host.startswith("www.") else host
        domain = host.split(".")[0]
    company = find_company(lines, lang=lang, domain=domain, taken=taken)
    if company:
        fields["company"] = _field("company", company, side)
        taken.add(id(company.line))

    org = find_org_parts(lines, lang=lang, taken=taken)
    if org.department:
        fields["department"] = _field("department", org.department, side)
    if org.title:
        fields["title"] = _field("title", org.title, side)
    for part in (org.department, org.title):
        if part and not (lang == "ja" and name_run_into_title(join_cjk(part.line.text))):
            taken.add(id(part.line))  # (a line that starts with the name stays free for it)

    email_local = email.value.split("@", 1)[0] if email else None
    name = find_name(lines, lang=lang, email_local=email_local, taken=taken)
    if name:
        fields["name"] = _field("name", name, side)
        taken.add(id(name.line))
        if lang == "ja":
            leading_title, _, inline_romaji = split_name_line(name.line.text)
            if leading_title and "title" not in fields:
                fields["title"] = _field(
                    "title", Match(value=leading_title, line=name.line, certainty=0.85), side
                )
            kana, romaji = find_readings(
                lines,
                name=name,
                email_local=email_local,
                taken=taken,
                company=company.value if company else None,
            )
            if romaji is None and inline_romaji:
                romaji = Match(value=inline_romaji, line=name.line, certainty=0.8)
            if kana:
                fields["name_kana"] = _field("name_kana", kana, side)
            if romaji:
                fields["name_romaji"] = _field("name_romaji", romaji, side)
    return lang, fields
