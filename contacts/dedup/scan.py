"""``meishi dedupe-scan --org ORG_ID``: recompute an organisation's keys and rematch it whole.

Run after a rule change or an import. Keys are recomputed and stored in batches; the engine then scores the
whole base at once (blocking, weighted comparisons, guarded clusters). Clusters of ``merge`` links are merged
automatically (the oldest contact wins) unless a person dismissed a pair inside them; every other pair
becomes a duplicate candidate. Companies are matched by corporate number, domain and normalised name and
proposed, never merged automatically.

The command commits as it goes (each batch of keys, each merge, then the candidates), so a long scan holds no
lock for long and an interrupted one keeps what it finished; running it again picks up the rest. A cluster
whose contacts someone merged, deleted or restored while the engine ran is skipped, not half-merged.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contacts.companies.models import Company
from contacts.db import session_factory
from contacts.dedup import companies_merge, merge_many, stored
from contacts.dedup.engine import ScoredPair, find_duplicates
from contacts.dedup.matching import ordered, propose
from contacts.dedup.models import CandidateStatus, DuplicateCandidate
from contacts.dedup.records import MatchKeys
from contacts.dedup.scoring import MERGE
from contacts.errors import Conflict
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus

Progress = Callable[[str, int, int], None]
BATCH = 1000


@dataclass
class ScanResult:
    """What a scan did."""

    contacts: int = 0
    pairs: int = 0
    merges: list[str] = field(default_factory=list)
    merged_contacts: int = 0
    candidates: int = 0
    company_candidates: int = 0
    skipped_dismissed: int = 0
    skipped_changed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON printed by ``--json``."""
        return {
            "contacts": self.contacts,
            "pairs": self.pairs,
            "merge_operations": self.merges,
            "merged_contacts": self.merged_contacts,
            "candidates": self.candidates,
            "company_candidates": self.company_candidates,
            "skipped_dismissed": self.skipped_dismissed,
            "skipped_changed": self.skipped_changed,
        }


def _contact_batches(session: Session, org_id: str) -> Iterator[list[Contact]]:
    after = ""
    while True:
        batch = list(
            session.scalars(
                select(Contact)
                .where(
                    Contact.organization_id == org_id,
                    Contact.status == RecordStatus.ACTIVE,
                    Contact.id > after,
                )
                .order_by(Contact.id)
                .limit(BATCH)
                .options(
                    selectinload(Contact.emails),
                    selectinload(Contact.phones),
                    selectinload(Contact.addresses),
                )
            )
        )
        if not batch:
            return
        yield batch
        after = batch[-1].id


def refresh_all_keys(
    session: Session, org_id: str, progress: Progress | None = None, commit: Callable[[], None] | None = None
) -> list[MatchKeys]:
    """Recompute and store the keys of every active contact of an organisation (``commit`` after each batch)."""
    total = (
        session.query(Contact)
        .filter(Contact.organization_id == org_id, Contact.status == RecordStatus.ACTIVE)
        .count()
    )
    out: list[MatchKeys] = []
    for batch in _contact_batches(session, org_id):
        keys = [stored.keys_of(c) for c in batch]
        stored.store_keys_many(session, org_id, keys)
        out.extend(keys)
        if commit:
            commit()
        session.expunge_all()
        if progress:
            progress("keys", len(out), total)
    return out


def _dismissed(session: Session, org_id: str, entity: str) -> set[tuple[str, str]]:
    return {
        (a, b)
        for a, b in session.execute(
            select(DuplicateCandidate.a_id, DuplicateCandidate.b_id).where(
                DuplicateCandidate.organization_id == org_id,
                DuplicateCandidate.entity == entity,
                DuplicateCandidate.status == CandidateStatus.DISMISSED,
            )
        )
    }


def scan_organization(
    session: Session,
    org_id: str,
    *,
    merge_automatically: bool = True,
    progress: Progress | None = None,
    commit: Callable[[], None] | None = None,
) -> ScanResult:
    """Rescan an organisation: keys, engine over the whole base, automatic merges, candidates.

    ``commit`` is called after each batch of keys and each merge; without it the caller's transaction holds all.
    """
    result = ScanResult()
    keys = refresh_all_keys(session, org_id, progress, commit)
    if commit:
        commit()  # hold no transaction (on SQLite: no write lock) while the engine runs
    result.contacts = len(keys)
    found = find_duplicates(keys, progress=progress)
    result.pairs = len(found.pairs)
    dismissed = _dismissed(session, org_id, "contact")
    actor = Actor(organization_id=org_id, user_id=None)
    merged: set[str] = set()
    if merge_automatically:
        for done, cluster in enumerate(found.clusters):
            if progress:
                progress("merging", done, len(found.clusters))
            members = sorted(cluster)  # ids are time-ordered: the oldest contact wins
            if any(ordered(a, b) in dismissed for i, a in enumerate(members) for b in members[i + 1 :]):
                result.skipped_dismissed += 1
                continue
            try:
                with session.begin_nested():
                    op = merge_many.merge_contacts(session, actor, members[0], members[1:], automatic=True)
            except Conflict:  # merged, deleted or restored since the engine read them
                result.skipped_changed += 1
                continue
            if commit:
                commit()
            result.merges.append(op.id)
            result.merged_contacts += len(members) - 1
            merged.update(members[1:])
    cluster_of = {i: n for n, c in enumerate(found.clusters) for i in c}
    leftovers = [
        p
        for p in found.pairs
        if p.a not in merged
        and p.b not in merged
        and ordered(p.a, p.b) not in dismissed
        and not (
            p.decision == MERGE and merge_automatically and cluster_of.get(p.a, -1) == cluster_of.get(p.b, -2)
        )
    ]
    if progress:
        progress("candidates", 0, len(leftovers))
    result.candidates = len(propose(session, org_id, leftovers))
    if progress:
        progress("companies", 0, 1)
    result.company_candidates = propose_companies(session, org_id)
    return result


def propose_companies(session: Session, org_id: str) -> int:
    """Match every active company of the organisation and record the pairs as company candidates."""
    dismissed = _dismissed(session, org_id, "company")
    seen: set[tuple[str, str]] = set()
    pairs: list[ScoredPair] = []
    for company in session.scalars(
        select(Company)
        .where(Company.organization_id == org_id, Company.status == RecordStatus.ACTIVE)
        .order_by(Company.id)
    ):
        for pair in companies_merge.company_pairs(session, company):
            key = ordered(pair.a, pair.b)
            if key in seen or key in dismissed:
                continue
            seen.add(key)
            pairs.append(pair)
    return len(propose(session, org_id, pairs, entity="company"))


class _Bar:
    """One tqdm bar per stage on stderr."""

    def __init__(self) -> None:
        self.stage = ""
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, file=sys.stderr, unit="")
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@click.command("dedupe-scan")
@click.option("--org", "org_id", required=True, help="Id of the organisation to rescan.")
@click.option("--propose-only", is_flag=True, help="Record candidates only; merge nothing automatically.")
@click.option("--json", "as_json", is_flag=True, help="Print what the scan did as JSON.")
@with_appcontext
def dedupe_scan_command(org_id: str, propose_only: bool, as_json: bool) -> None:
    """Recompute an organisation's match keys and rematch it: merges on "merge" decisions, candidates else."""
    from contacts.auth.models import Organization

    bar = _Bar() if sys.stderr.isatty() else None
    with session_factory(current_app)() as session:
        if session.get(Organization, org_id) is None:
            raise click.UsageError(f"no organisation {org_id!r}")
        try:
            result = scan_organization(
                session, org_id, merge_automatically=not propose_only, progress=bar, commit=session.commit
            )
            session.commit()
        finally:
            if bar is not None:
                bar.close()
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        click.echo(
            f"{result.contacts} contacts rescanned: {len(result.merges)} automatic merges "
            f"({result.merged_contacts} contacts merged), {result.candidates} contact candidates, "
            f"{result.company_candidates} company candidates"
        )
