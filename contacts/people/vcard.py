"""Contacts as vCard 3.0 (RFC 2426), the version every address book imports (iOS, Android, Google, Outlook).

Japanese readings go where address books look for them: ``SORT-STRING`` (RFC 2426 §3.6.5, the reading a
name sorts by) and ``X-PHONETIC-LAST-NAME`` / ``X-PHONETIC-FIRST-NAME`` (iOS and Android). Text is UTF-8,
escaped per §5.8.4, and long lines are folded at 75 octets without splitting a character.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from contacts.people.schemas import ContactOut

PRODID = "-//Meishi//Meishi contacts//EN"
LINE_OCTETS = 75
_PHONE_TYPES = {"work": "WORK,VOICE", "mobile": "CELL,VOICE", "fax": "WORK,FAX", "other": "VOICE"}
_EMAIL_TYPES = {"work": "INTERNET,WORK", "personal": "INTERNET,HOME", "other": "INTERNET"}


def escape(value: str) -> str:
    """Escape a text value: backslash, comma, semicolon and line breaks."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into CRLF-joined pieces of at most 75 octets, never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # a continuation line starts with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _line(name: str, value: str, params: str = "") -> str:
    return fold(f"{name}{';' + params if params else ''}:{value}")


def _structured(*components: str | None) -> str:
    return ";".join(escape(c or "") for c in components)


def _phonetic(contact: ContactOut) -> tuple[str, str]:
    """Split the reading into family and given parts on its first space (the whole reading is the family's)."""
    reading = " ".join((contact.name_kana or "").replace("\u3000", " ").split())
    family, _, given = reading.partition(" ")
    return family, given


def _name_parts(contact: ContactOut) -> tuple[str, str]:
    if contact.family_name or contact.given_name:
        return contact.family_name or "", contact.given_name or ""
    return contact.full_name, ""


def to_vcard(contact: ContactOut) -> str:
    """One contact as a vCard 3.0 object (CRLF line ends, ending with CRLF)."""
    family, given = _name_parts(contact)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        _line("PRODID", PRODID),
        _line("UID", contact.uid),
        _line("FN", escape(contact.full_name)),
        _line("N", _structured(family, given, "", "", "")),
    ]
    phonetic_family, phonetic_given = _phonetic(contact)
    if phonetic_family:
        lines.append(_line("SORT-STRING", escape(" ".join(filter(None, (phonetic_family, phonetic_given))))))
        lines.append(_line("X-PHONETIC-LAST-NAME", escape(phonetic_family)))
    if phonetic_given:
        lines.append(_line("X-PHONETIC-FIRST-NAME", escape(phonetic_given)))
    if contact.company or contact.department:
        org = [contact.company.name if contact.company else "", contact.department or ""]
        lines.append(_line("ORG", _structured(*org[: 2 if org[1] else 1])))
    if contact.title:
        lines.append(_line("TITLE", escape(contact.title)))
    for email in contact.emails:
        types = _EMAIL_TYPES.get(email.type, "INTERNET") + (",PREF" if email.primary else "")
        lines.append(_line("EMAIL", escape(email.value), f"TYPE={types}"))
    for phone in contact.phones:
        types = _PHONE_TYPES.get(phone.type, "VOICE") + (",PREF" if phone.primary else "")
        lines.append(_line("TEL", escape(phone.e164 or phone.value), f"TYPE={types}"))
    for address in contact.addresses:
        kind = "HOME" if address.type == "home" else "WORK"
        lines.append(
            _line("ADR", _structured("", "", address.value, "", "", address.postal_code, ""), f"TYPE={kind}")
        )
    if contact.url:
        lines.append(_line("URL", escape(contact.url)))
    if contact.notes:
        lines.append(_line("NOTE", escape(contact.notes)))
    if contact.tags:
        lines.append(_line("CATEGORIES", ",".join(escape(t) for t in contact.tags)))
    lines.append(_line("REV", contact.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def to_vcards(contacts: Iterable[ContactOut]) -> str:
    """Several contacts as one .vcf text."""
    return "".join(to_vcard(c) for c in contacts)
