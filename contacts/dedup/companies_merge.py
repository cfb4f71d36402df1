"""Company matching (corporate number, domain, normalised name) and undoable company merges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rapidfuzz.fuzz import ratio
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from contacts import normalize, snapshot
from contacts.bus import bump_and_record, publish
from contacts.changelog.vocabulary import Entity
from contacts.companies import service as companies
from contacts.companies.models import Company, CompanyDomain
from contacts.db import get_owned, new_id, utcnow
from contacts.dedup import merge
from contacts.dedup.engine import ScoredPair
from contacts.dedup.events import CompaniesMerged, MergeUndone
from contacts.dedup.matching import propose
from contacts.dedup.models import CandidateStatus, DuplicateCandidate, MatchKey, MatchProfile, MergeOperation
from contacts.errors import Conflict, ValidationFailed
from contacts.people.models import Contact, Employment
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.tags.models import CompanyTag
from contacts.touchpoints.models import Touchpoint

CHOOSABLE_FIELDS: Final = ("name", "name_kana", "corporate_number", "url")
#: Scores and decisions of company matches, strongest evidence first.
COMPANY_RULES: Final = {
    "corporate_number": (1.0, "merge"),
    "name_and_domain": (0.95, "merge"),
    "name": (0.8, "review"),
    "domain_similar_name": (0.7, "review"),
}
DOMAIN_NAME_SIMILARITY: Final = 80.0
MAX_LOSERS: Final = 50


@dataclass(frozen=True)
class CompanyMatch:
    """A scored pair of companies, with the evidence behind it."""

    a: str
    b: str
    score: float
    decision: str
    reasons: list[str] = field(default_factory=list)


def get_company_any(session: Session, org_id: str, company_id: str) -> Company:
    """Return the organisation's company whatever its status, or raise NotFound."""
    return get_owned(session, Company, org_id, company_id)


def _active(session: Session, org_id: str, company_id: str) -> Company:
    company = get_company_any(session, org_id, company_id)
    if company.status == RecordStatus.MERGED:
        raise Conflict(f"company {company.id} was merged into {company.merged_into_id}")
    if company.status != RecordStatus.ACTIVE:
        raise Conflict(f"company {company.id} is {company.status}")
    return company


def match_company(session: Session, company: Company) -> list[CompanyMatch]:
    """Find active companies that look like ``company``: same 法人番号, same name, or a shared domain."""
    if company.status != RecordStatus.ACTIVE:
        return []
    org = company.organization_id
    conds = []
    if company.corporate_number:
        conds.append(Company.corporate_number == company.corporate_number)
    if company.name_normalized:
        conds.append(Company.name_normalized == company.name_normalized)
    if company.domains:
        conds.append(
            Company.id.in_(
                select(CompanyDomain.company_id).where(
                    CompanyDomain.organization_id == org, CompanyDomain.domain.in_(company.domains)
                )
            )
        )
    if not conds:
        return []
    others = session.scalars(
        select(Company)
        .where(
            Company.organization_id == org,
            Company.status == RecordStatus.ACTIVE,
            Company.id != company.id,
            or_(*conds),
        )
        .order_by(Company.id)
        .limit(200)
    )
    out = []
    for other in others:
        found = _compare(company, other)
        if found is not None:
            out.append(found)
    out.sort(key=lambda m: -m.score)
    return out


def company_pairs(session: Session, company: Company) -> list[ScoredPair]:
    """The company's matches as scored pairs, ready to propose."""
    return [ScoredPair(m.a, m.b, m.score, m.decision, m.reasons) for m in match_company(session, company)]


def company_written(session: Session, company: Company) -> None:
    """Record the active companies that look like a new or renamed company as open candidates (never merges).

    Dismissed pairs stay dismissed (``propose`` leaves them alone).
    """
    session.flush()
    propose(session, company.organization_id, company_pairs(session, company), entity="company")


def _compare(a: Company, b: Company) -> CompanyMatch | None:
    if a.corporate_number and b.corporate_number:
        if a.corporate_number == b.corporate_number:
            score, decision = COMPANY_RULES["corporate_number"]
            return CompanyMatch(a.id, b.id, score, decision, ["corporate_number:same"])
        return None  # two registered legal entities, whatever their names say
    same_name = bool(a.name_normalized) and a.name_normalized == b.name_normalized
    shared = sorted(set(a.domains) & set(b.domains))
    if same_name and shared:
        score, decision = COMPANY_RULES["name_and_domain"]
        return CompanyMatch(a.id, b.id, score, decision, ["name:same", "domain:same"])
    if same_name:
        score, decision = COMPANY_RULES["name"]
        return CompanyMatch(a.id, b.id, score, decision, ["name:same"])
    if shared and ratio(a.name_normalized, b.name_normalized) >= DOMAIN_NAME_SIMILARITY:
        score, decision = COMPANY_RULES["domain_similar_name"]
        return CompanyMatch(a.id, b.id, score, decision, ["domain:same", "name:similar"])
    return None


def _move_tags(session: Session, winner_id: str, loser_ids: list[str]) -> None:
    """Give the winner every tag of the losers (once) and drop the losers' links."""
    have = set(session.scalars(select(CompanyTag.tag_id).where(CompanyTag.company_id == winner_id)))
    for link in session.scalars(
        select(CompanyTag).where(CompanyTag.company_id.in_(loser_ids)).order_by(CompanyTag.tagged_at)
    ):
        if link.tag_id not in have:
            have.add(link.tag_id)
            session.add(
                CompanyTag(
                    company_id=winner_id,
                    tag_id=link.tag_id,
                    organization_id=link.organization_id,
                    tagged_by=link.tagged_by,
                    tagged_at=link.tagged_at,
                )
            )
        session.delete(link)
    session.flush()


def company_snapshot(session: Session, ids: Sequence[str], loser_ids: Sequence[str]) -> dict[str, Any]:
    """Dump every row a company merge may change: companies, domains, their people and history links."""
    moved = list(session.scalars(select(Contact.id).where(Contact.company_id.in_(list(loser_ids)))))
    return {
        "company": snapshot.dump(session, Company, Company.id.in_(list(ids))),
        "company_domain": snapshot.dump(session, CompanyDomain, CompanyDomain.company_id.in_(list(ids))),
        "company_tag": snapshot.dump(session, CompanyTag, CompanyTag.company_id.in_(list(ids))),
        "contact": snapshot.dump(session, Contact, Contact.id.in_(moved)),
        "match_key": snapshot.dump(session, MatchKey, MatchKey.contact_id.in_(moved)),
        "match_profile": snapshot.dump(session, MatchProfile, MatchProfile.contact_id.in_(moved)),
        "employment": snapshot.dump(
            session, Employment, Employment.company_id.in_(list(loser_ids)), ["id", "company_id"]
        ),
        "touchpoint": snapshot.dump(
            session, Touchpoint, Touchpoint.company_id.in_(list(loser_ids)), ["id", "company_id"]
        ),
        "duplicate_candidate": snapshot.dump(
            session,
            DuplicateCandidate,
            and_(
                DuplicateCandidate.entity == "company",
                or_(DuplicateCandidate.a_id.in_(list(ids)), DuplicateCandidate.b_id.in_(list(ids))),
            ),
        ),
        "moved_contacts": moved,
    }


def _union_json(rows: list[dict[str, Any]], extra: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen = {str(r.get(key)) for r in rows}
    out = list(rows)
    for r in extra:
        if str(r.get(key)) not in seen:
            seen.add(str(r.get(key)))
            out.append({**r, "primary": False} if "primary" in r else dict(r))
    return out


def merge_companies(
    session: Session,
    actor: Actor,
    winner_id: str,
    loser_ids: Sequence[str],
    field_choices: dict[str, str] | None = None,
) -> MergeOperation:
    """Merge companies: domains, phones and addresses united, people and history moved, losers kept."""
    org_id = actor.organization_id
    ids_in = list(dict.fromkeys(loser_ids))
    if winner_id in ids_in or not ids_in or len(ids_in) > MAX_LOSERS:
        raise ValidationFailed(
            "name 1 to 50 losers other than the winner",
            errors=[{"field": "loser_ids", "message": "1 to 50 ids, not the winner", "code": "invalid"}],
        )
    merge.lock_rows(session, Company, [winner_id, *ids_in])
    winner = _active(session, org_id, winner_id)
    losers = [_active(session, org_id, i) for i in ids_in]
    choices = dict(field_choices or {})
    allowed = {winner.id, *ids_in}
    bad = [
        {
            "field": f"field_choices.{k}",
            "code": "invalid",
            "message": f"choose among {', '.join(CHOOSABLE_FIELDS)} and name a company of the merge",
        }
        for k, v in choices.items()
        if k not in CHOOSABLE_FIELDS or v not in allowed
    ]
    if bad:
        raise ValidationFailed("invalid field_choices", errors=bad)
    numbers = {c.corporate_number for c in (winner, *losers) if c.corporate_number}
    if len(numbers) > 1 and "corporate_number" not in choices:
        raise Conflict(
            "these companies carry different corporate numbers (法人番号), so they are different "
            "legal entities; choose one in field_choices.corporate_number to merge anyway"
        )
    session.flush()
    ids = [winner.id, *ids_in]
    before = company_snapshot(session, ids, ids_in)
    op = MergeOperation(
        id=new_id(),
        organization_id=org_id,
        entity="company",
        winner_id=winner.id,
        loser_ids=ids_in,
        field_choices=choices,
        automatic=False,
        created_by=actor.user_id,
        snapshot={},
    )
    by_id = {c.id: c for c in losers}
    for name in CHOOSABLE_FIELDS:
        chosen = by_id.get(choices.get(name, winner.id))
        if chosen is None and not getattr(winner, name):
            chosen = next((c for c in losers if getattr(c, name)), None)
        if chosen is not None:
            setattr(winner, name, getattr(chosen, name))
    winner.name_normalized = normalize.normalize_company_name(winner.name)
    for loser in losers:
        winner.phones = _union_json(list(winner.phones or []), list(loser.phones or []), "e164")
        winner.addresses = _union_json(list(winner.addresses or []), list(loser.addresses or []), "value")
        for row in list(loser.domain_rows):
            loser.domain_rows.remove(row)
            if row.domain not in winner.domains:
                winner.domain_rows.append(
                    CompanyDomain(organization_id=org_id, domain=row.domain, note=row.note)
                )
        loser.status = RecordStatus.MERGED
        loser.merged_into_id = winner.id
        companies.bump_version(loser)
    companies.bump_version(winner)
    session.flush()
    moved: list[str] = before["moved_contacts"]
    session.execute(update(Employment).where(Employment.company_id.in_(ids_in)).values(company_id=winner.id))
    _move_touchpoints(session, actor, op.id, ids_in, winner.id)
    _move_tags(session, winner.id, ids_in)
    members = ids
    session.execute(
        update(DuplicateCandidate)
        .where(
            DuplicateCandidate.organization_id == org_id,
            DuplicateCandidate.entity == "company",
            DuplicateCandidate.status == CandidateStatus.OPEN,
            DuplicateCandidate.a_id.in_(members),
            DuplicateCandidate.b_id.in_(members),
        )
        .values(status=CandidateStatus.MERGED, decided_by=actor.user_id, decided_at=utcnow())
    )
    with session.no_autoflush:
        contacts = list(session.scalars(select(Contact).where(Contact.id.in_(moved))))
        for contact in contacts:
            contact.company = winner
            contact.company_id = winner.id
    session.flush()
    # People refresh the moved contacts' search text and versions, dedup their keys (see contacts.packages).
    publish(
        session,
        CompaniesMerged(
            org_id=org_id,
            actor_id=actor.user_id,
            winner=winner,
            losers=tuple(losers),
            contacts=tuple(contacts),
            merge_id=op.id,
        ),
    )
    op.snapshot = {
        "before": before,
        "after": {
            "companies": {c.id: c.version for c in (winner, *losers)},
            "contacts": {c.id: c.version for c in contacts},
        },
    }
    session.add(op)
    session.flush()
    return op


def _move_touchpoints(
    session: Session, actor: Actor, merge_id: str, loser_ids: list[str], winner_id: str
) -> None:
    """Touchpoints at a loser name the winner, with a new version each, logged as updated."""
    point_ids = list(session.scalars(select(Touchpoint.id).where(Touchpoint.company_id.in_(loser_ids))))
    if point_ids:
        session.execute(
            update(Touchpoint)
            .where(Touchpoint.id.in_(point_ids))
            .values(company_id=winner_id)
            .execution_options(synchronize_session=False)
        )
    _log_touchpoints(session, actor, merge_id, point_ids)


def _log_touchpoints(
    session: Session, actor: Actor, merge_id: str, point_ids: list[str], *, undone: bool = False
) -> None:
    bump_and_record(
        session,
        Touchpoint,
        point_ids,
        org_id=actor.organization_id,
        actor_id=actor.user_id,
        entity=Entity.TOUCHPOINT,
        data={"fields": ["company_id"], "merge_id": merge_id, **({"undone": True} if undone else {})},
    )


def undo_company_merge(session: Session, actor: Actor, op: MergeOperation) -> MergeOperation:
    """Restore the companies, their domains and the moved people exactly, or refuse when impossible."""
    merge.lock_rows(session, MergeOperation, [op.id])
    if op.undone_at is not None:
        raise Conflict(f"merge {op.id} was already undone")
    after = op.snapshot["after"]
    merge.lock_rows(session, Company, list(after["companies"]))
    for company_id, version in after["companies"].items():
        company = session.get(Company, company_id)
        if company is None or company.version != version:
            raise Conflict(
                f"company {company_id} changed after merge {op.id}; the merge cannot be "
                f"undone exactly (undo the later change first)"
            )
    for contact_id, version in after["contacts"].items():
        contact = session.get(Contact, contact_id)
        if contact is None or contact.version != version:
            raise Conflict(
                f"contact {contact_id} changed after merge {op.id}; undoing would lose that change, "
                f"so the merge cannot be undone exactly"
            )
    before = op.snapshot["before"]
    ids = list(after["companies"])
    moved = before["moved_contacts"]
    session.flush()
    snapshot.put_back(session, Company, before["company"])
    snapshot.replace(session, CompanyDomain, CompanyDomain.company_id.in_(ids), before["company_domain"])
    if "company_tag" in before:  # merges made before company tags existed left none to restore
        snapshot.replace(session, CompanyTag, CompanyTag.company_id.in_(ids), before["company_tag"])
    snapshot.put_back(session, Contact, before["contact"])
    snapshot.replace(session, MatchKey, MatchKey.contact_id.in_(moved), before["match_key"])
    snapshot.replace(session, MatchProfile, MatchProfile.contact_id.in_(moved), before["match_profile"])
    snapshot.put_back(session, Employment, before["employment"])
    current = {
        t.id: t.company_id
        for t in session.execute(
            select(Touchpoint.id, Touchpoint.company_id).where(
                Touchpoint.id.in_([r["id"] for r in before["touchpoint"]])
            )
        )
    }
    snapshot.put_back(session, Touchpoint, before["touchpoint"])
    _log_touchpoints(
        session,
        actor,
        op.id,
        [r["id"] for r in before["touchpoint"] if current.get(r["id"]) != r["company_id"]],
        undone=True,
    )
    cand_ids = [r["id"] for r in before["duplicate_candidate"]]
    snapshot.replace(
        session, DuplicateCandidate, DuplicateCandidate.id.in_(cand_ids), before["duplicate_candidate"]
    )
    session.expire_all()
    # Everything is back as it was, under new versions, so that a feed follower sees it change again.
    now = utcnow()
    for model, versions in ((Company, after["companies"]), (Contact, after["contacts"])):
        for record_id, version in versions.items():
            session.execute(
                update(model)
                .where(model.id == record_id)
                .values(version=version + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    op = session.get(MergeOperation, op.id) or op
    op.undone_at = utcnow()
    op.undone_by = actor.user_id
    publish(
        session,
        MergeUndone(
            org_id=op.organization_id,
            actor_id=actor.user_id,
            entity=Entity.COMPANY,
            merge_id=op.id,
            record_ids=tuple(ids),
            contact_ids=tuple(moved),
        ),
    )
    session.flush()
    return op
