"""Benchmark: server time of the web app's review, people search and contact pages over 100,000 contacts.

Runs on PostgreSQL (a temporary UTF-8 database) through the whole Flask stack in-process, signed in with a
session cookie as a browser is:
    python -m tests.bench.bench_web [--contacts 100000] [--requests 300] [--backend postgresql]
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy import select

from contacts.app import freeze_startup_heap
from contacts.auth import passwords
from contacts.auth.models import User
from contacts.db import session_factory
from contacts.people.models import Contact
from tests.bench.bench_api import bench_org, measure, seed
from tests.web.helpers import PASSWORD, review_card, sign_in

REVIEW_CARDS = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        _tags, queries, fragments = seed(app, org.organization_id, args.contacts)
        with app.app_context(), session_factory(app)() as session:
            admin = session.get(User, org.user_id)
            assert admin is not None
            passwords.set_password(admin, PASSWORD)
            email = admin.email
            contact_ids = list(
                session.scalars(
                    select(Contact.id).where(Contact.organization_id == org.organization_id).limit(5000)
                )
            )
            session.commit()
        rng = random.Random(5)
        cards = []
        for i in range(REVIEW_CARDS):
            person = rng.choice(queries)
            cards.append(
                review_card(
                    app,
                    org.organization_id,
                    org.user_id,
                    {
                        "name": (f"{person} 太郎", 0.62),
                        "company": ("株式会社ベンチ", 0.9),
                        "email": (f"bench{i}@example.com", 0.95),
                        "mobile": (f"090-{1000 + i:04d}-{2000 + i:04d}", 0.9),
                        "title": ("課長", 0.7),
                    },
                )
            )
        print(
            f"seeded {args.contacts} contacts and {REVIEW_CARDS} review cards on {args.backend} in "
            f"{time.perf_counter() - started:.0f} s"
        )
        client = sign_in(app, email)
        freeze_startup_heap()  # as `meishi run` and contacts.wsgi do once the app is ready

        def review_page() -> None:
            resp = client.get(f"/review/{rng.choice(cards)}")
            assert resp.status_code == 200

        def people_search() -> None:
            resp = client.get("/people", query_string={"q": rng.choice(queries + fragments)})
            assert resp.status_code == 200

        def contact_page() -> None:
            resp = client.get(f"/people/{rng.choice(contact_ids)}")
            assert resp.status_code in (200, 302)

        def api_search() -> (
            None
        ):  # the same search through the JSON API: what the page adds is the difference
            resp = org.get("/api/v1/contacts", query_string={"q": rng.choice(queries + fragments)})
            assert resp.status_code == 200

        for label, call, target in (
            ("review page", review_page, 150),
            ("people search", people_search, 100),
            ("contact page", contact_page, 100),
            ("API q search", api_search, 50),
        ):
            p50, p95, p99 = measure(call, args.requests)
            print(
                f"{label:<14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   (target p95 {target} ms; "
                f"{args.requests} requests, {args.contacts} contacts, {args.backend})"
            )


if __name__ == "__main__":
    main()
