"""Remember reviewers' corrections and apply them to later cards that read the same way.

Keyed by the field and what the OCR read (NFKC, case and whitespace folded), per organisation. Only the
fields a card's OCR tends to misread the same way again are learnt: company, department, title, and a
name's misread characters (a name replaced by a different one is a wrong line, not a misreading, so a
name correction is kept only when it is close to what was read).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.cards.models import Card
from contacts.changelog.vocabulary import Entity, Operation
from contacts.corrections.models import FieldCorrection
from contacts.corrections.schemas import CorrectionOut
from contacts.db import get_owned, utcnow
from contacts.orgsettings import service as orgsettings
from contacts.provenance import Actor

LEARNT_FIELDS = ("company", "department", "title", "name", "name_kana", "name_romaji")
NAME_FIELDS = ("name", "name_kana", "name_romaji")
# A name correction this far from what was read replaces a wrong line, not a misreading: not learnt.
NAME_MIN_SIMILARITY = 0.5
MAX_LENGTH = 400


def read_key(value: str) -> str:
    """Fold what was read into the correction key: NFKC, lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()


def _learnable(field: str, read: str, value: str) -> bool:
    if not read.strip() or not value.strip() or read_key(read) == read_key(value):
        return False
    if len(read) > MAX_LENGTH or len(value) > MAX_LENGTH:
        return False
    if field in NAME_FIELDS:
        return 1.0 - Levenshtein.normalized_distance(read_key(read), read_key(value)) >= NAME_MIN_SIMILARITY
    return True


def record_from_card(session: Session, card: Card, reviewer_id: str | None) -> list[FieldCorrection]:
    """Remember each learnable field a reviewer changed on this card (when the organisation learns)."""
    if reviewer_id is None or not orgsettings.learns_corrections(session, card.organization_id):
        return []
    learnt = []
    for field in LEARNT_FIELDS:
        entry = (card.fields or {}).get(field) or {}
        read, value = entry.get("ocr_value"), entry.get("value")
        if not (isinstance(read, str) and isinstance(value, str) and _learnable(field, read, value)):
            continue
        key = read_key(read)
        row = session.scalar(
            select(FieldCorrection).where(
                FieldCorrection.organization_id == card.organization_id,
                FieldCorrection.field == field,
                FieldCorrection.read_key == key,
            )
        )
        now = utcnow()
        if row is None:
            row = FieldCorrection(
                organization_id=card.organization_id,
                field=field,
                read_key=key,
                read_value=read,
                value=value.strip(),
                applied_count=0,
                source_card_id=card.id,
                created_by=reviewer_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            operation = Operation.CREATED
        elif row.value != value.strip():
            row.value, row.source_card_id, row.created_by = value.strip(), card.id, reviewer_id
            row.version += 1
            row.updated_at = now
            operation = Operation.UPDATED
        else:
            continue
        publish(
            session,
            Recorded(
                org_id=card.organization_id,
                actor_id=reviewer_id,
                entity=Entity.CORRECTION,
                ids=(row.id,),
                operation=operation,
                data={"field": field, "card_id": card.id},
            ),
        )
        learnt.append(row)
    return learnt


def apply_to_card(session: Session, card: Card) -> list[str]:
    """Replace fields that read like a remembered correction; say so in the card's warnings."""
    fields: dict[str, Any] = {k: dict(v) for k, v in (card.fields or {}).items()}
    read = {name: fields[name].get("value") for name in LEARNT_FIELDS if name in fields}
    keys = {name: read_key(v) for name, v in read.items() if isinstance(v, str) and v.strip()}
    if not keys or not orgsettings.learns_corrections(session, card.organization_id):
        return []
    rows = session.scalars(
        select(FieldCorrection).where(
            FieldCorrection.organization_id == card.organization_id,
            FieldCorrection.read_key.in_(set(keys.values())),
        )
    ).all()
    by_key = {(r.field, r.read_key): r for r in rows}
    notes = []
    for name, key in keys.items():
        row = by_key.get((name, key))
        if row is None:
            continue
        fields[name].update(ocr_value=read[name], value=row.value, correction_id=row.id)
        row.applied_count += 1
        notes.append(
            f"{name}: read as {read[name]!r}, set to {row.value!r} as a reviewer corrected it before "
            f"(correction {row.id})"
        )
    if notes:
        card.fields = fields
        card.warnings = [*(card.warnings or []), *notes]
    return notes


def get_correction(session: Session, org_id: str, correction_id: str) -> FieldCorrection:
    """Return the organisation's correction or raise NotFound."""
    return get_owned(session, FieldCorrection, org_id, correction_id, what="correction")


def delete_correction(session: Session, actor: Actor, row: FieldCorrection) -> None:
    """Forget a correction; later cards keep what the OCR reads."""
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.CORRECTION,
            ids=(row.id,),
            operation=Operation.DELETED,
            data={"field": row.field},
        ),
    )
    session.delete(row)


def forget_names_learnt_from(session: Session, card_ids: list[str]) -> int:
    """Delete the name corrections learnt from these cards (when the person they show is erased); count them."""
    if not card_ids:
        return 0
    result = session.execute(
        delete(FieldCorrection).where(
            FieldCorrection.source_card_id.in_(card_ids), FieldCorrection.field.in_(NAME_FIELDS)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def correction_out(row: FieldCorrection) -> CorrectionOut:
    """Serialise a correction."""
    return CorrectionOut(
        id=row.id,
        field=row.field,
        read_value=row.read_value,
        value=row.value,
        applied_count=row.applied_count,
        source_card_id=row.source_card_id,
        created_by=row.created_by,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
