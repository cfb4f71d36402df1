"""Benchmark: list 50 contacts by a tag, and `q` searches (typical queries and typed fragments), over 100,000 contacts.

Runs on PostgreSQL (a temporary UTF-8 database), through the whole Flask stack in-process:
    python -m tests.bench.bench_api [--contacts 100000] [--requests 300] [--backend postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, text

from contacts import migrate
from contacts.app import create_app, freeze_startup_heap
from contacts.companies.models import Company
from contacts.db import new_id, session_factory, utcnow
from contacts.normalize import normalize_company_name, normalize_email, phone_type_of, to_e164
from contacts.people.models import Contact, ContactEmail, ContactPhone
from contacts.people.service import refresh_search
from contacts.tags.models import ContactTag, Tag
from tests.conftest import OrgClient, make_org
from tests.dbs import temporary_database
from tests.dedup.synthetic import generate_cards

TAGS = 20


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fragment(rng: random.Random, search_text: str) -> str:
    """A piece of what a user might type: 1 to 8 characters of a name, company, e-mail or phone of one contact."""
    piece = rng.choice(search_text.split("\x1f"))
    n = min(len(piece), rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 8]))
    start = rng.randrange(0, len(piece) - n + 1)
    return piece[start : start + n]


def seed(app: Any, org_id: str, n: int) -> tuple[list[str], list[str], list[str]]:
    """Bulk-load ``n`` synthetic card contacts with companies, emails, phones and tags.

    Returns the tag names, typical queries (a family name, a company's first characters, an e-mail local
    part) and fragments (any 1 to 8 characters of one contact's searchable values, so often rare).
    """
    rng = random.Random(7)
    cards = generate_cards(n, seed=11)[:n]
    now = utcnow()
    companies: dict[str, dict[str, Any]] = {}
    contacts, emails, phones, links = [], [], [], []
    tag_rows = [
        {
            "id": new_id(),
            "organization_id": org_id,
            "name": f"tag-{i:02d}",
            "kind": "custom",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(TAGS)
    ]
    queries: list[str] = []
    fragments: list[str] = []
    for card in cards:
        r = card.record
        key = normalize_company_name(r.company) or r.company
        company = companies.get(key)
        if company is None and r.company:
            company = companies[key] = {
                "id": new_id(),
                "organization_id": org_id,
                "name": r.company,
                "name_normalized": key,
                "addresses": [],
                "phones": [],
                "status": "active",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        contact_id = new_id()
        transient = Contact(
            full_name=r.name,
            name_kana=r.name_kana or None,
            name_romaji=r.name_romaji or None,
            department=r.department or None,
        )
        transient.company = Company(name=r.company) if r.company else None
        for i, value in enumerate(r.emails):
            try:
                normalized = normalize_email(value)
            except ValueError:
                continue
            row = ContactEmail(value=value, value_normalized=normalized)
            transient.emails.append(row)
            emails.append(
                {
                    "id": new_id(),
                    "organization_id": org_id,
                    "contact_id": contact_id,
                    "value": value,
                    "value_normalized": normalized,
                    "type": "work",
                    "primary": i == 0,
                    "position": i,
                    "source_type": "import",
                    "created_at": now,
                }
            )
        for i, value in enumerate(p for p in (r.phone, r.mobile) if p):
            e164 = to_e164(value)
            transient.phones.append(ContactPhone(value=value, e164=e164))
            phones.append(
                {
                    "id": new_id(),
                    "organization_id": org_id,
                    "contact_id": contact_id,
                    "value": value,
                    "e164": e164,
                    "type": "mobile" if e164 and phone_type_of(e164) == "mobile" else "work",
                    "primary": i == 0,
                    "position": i,
                    "source_type": "import",
                    "created_at": now,
                }
            )
        refresh_search(transient)
        contacts.append(
            {
                "id": contact_id,
                "uid": f"urn:uuid:{new_id()}",
                "organization_id": org_id,
                "full_name": r.name,
                "name_kana": r.name_kana or None,
                "name_romaji": r.name_romaji or None,
                "company_id": company["id"] if company else None,
                "department": r.department or None,
                "title": r.title or None,
                "status": "active",
                "field_sources": {},
                "search_text": transient.search_text,
                "search_grams": transient.search_grams,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        for tag in rng.sample(tag_rows, k=rng.choice([0, 1, 1, 2, 3])):
            links.append(
                {"contact_id": contact_id, "tag_id": tag["id"], "organization_id": org_id, "tagged_at": now}
            )
        if rng.random() < 0.002:
            queries.append(
                rng.choice(
                    [
                        r.name.split(" ")[0] if r.name else "田中",
                        r.company[:4] or "商事",
                        (r.emails[0].split("@")[0] if r.emails else "tanaka"),
                    ]
                )
            )
        if rng.random() < 0.004:
            fragments.append(_fragment(rng, transient.search_text))
    with app.app_context(), session_factory(app)() as s:
        for table, rows in (
            (Company.__table__, list(companies.values())),
            (Tag.__table__, tag_rows),
            (Contact.__table__, contacts),
            (ContactEmail.__table__, emails),
            (ContactPhone.__table__, phones),
            (ContactTag.__table__, links),
        ):
            for start in range(0, len(rows), 5000):
                s.execute(insert(table), rows[start : start + 5000])
        s.commit()
        if s.bind is not None and s.bind.dialect.name == "postgresql":
            s.execute(text("ANALYZE"))
        s.commit()
    return [str(t["name"]) for t in tag_rows], queries or ["田中"], fragments or ["田"]


def measure(call: Callable[[], Any], n: int) -> tuple[float, float, float]:
    """Return p50, p95 and p99 in milliseconds of ``n`` calls (after 10 warm-up calls)."""
    for _ in range(10):
        call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), _percentile(times, 0.95), _percentile(times, 0.99)


@contextmanager
def bench_org(backend: str) -> Iterator[tuple[Flask, OrgClient]]:
    """A migrated throw-away database, the app on it and one organisation; the database goes afterwards."""
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        migrate.upgrade(url)
        app = create_app({"database_url": url, "queue": "none", "storage_dir": Path(tmp) / "images"})
        try:
            yield app, make_org(app, "Bench")
        finally:
            app.extensions["meishi.engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        tags, queries, fragments = seed(app, org.organization_id, args.contacts)
        print(f"seeded {args.contacts} contacts on {args.backend} in {time.perf_counter() - started:.0f} s")
        freeze_startup_heap()  # as `meishi run` and contacts.wsgi do once the app is ready
        rng = random.Random(3)

        def by_tag() -> None:
            resp = org.get("/api/v1/contacts", query_string={"tag": rng.choice(tags), "limit": 50})
            assert resp.status_code == 200 and len(resp.get_json()["items"]) == 50

        def by_q() -> None:
            resp = org.get("/api/v1/contacts", query_string={"q": rng.choice(queries), "limit": 50})
            assert resp.status_code == 200

        def by_fragment() -> None:
            resp = org.get("/api/v1/contacts", query_string={"q": rng.choice(fragments), "limit": 50})
            assert resp.status_code == 200

        for label, call in (
            ("list 50 by tag", by_tag),
            ("q search, 50", by_q),
            ("q fragment, 50", by_fragment),
        ):
            p50, p95, p99 = measure(call, args.requests)
            print(
                f"{label:<16} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   ({args.requests} "
                f"requests, {args.contacts} contacts, {args.backend})"
            )


if __name__ == "__main__":
    main()
