"""Candidates of many records in one look-up (an import's chunk) are those of each record looked up alone."""

from __future__ import annotations

from contacts.db import session_factory
from contacts.dedup import stored
from contacts.dedup.matching import match_keys, match_keys_many
from tests import factories
from tests.conftest import OrgClient


def test_many_records_find_what_each_finds_alone(org: OrgClient) -> None:
    factories.contact(org, full_name="山田 太郎", phones=[{"value": "090-1111-2222", "type": "mobile"}])
    factories.contact(
        org, full_name="山田 花子", emails=[{"value": "hanako@acme.co.jp"}], company_name="アクメ"
    )
    factories.contact(org, full_name="佐藤 一郎", company_name="アクメ")
    probes = [
        factories.match_keys(name="山田 太郎", mobile="090-1111-2222"),
        factories.match_keys(name="山田 花子", email="hanako@acme.co.jp"),
        factories.match_keys(name="佐藤 一郎", company="アクメ"),
        factories.match_keys(name="誰 も", email="nobody@else.example"),
    ]
    with session_factory(org.app)() as session:
        alone = [
            sorted(k.id for k in stored.fetch_candidates(session, org.organization_id, p).keys)
            for p in probes
        ]
        many = [
            sorted(k.id for k in c.keys)
            for c in stored.fetch_candidates_many(session, org.organization_id, probes)
        ]
        assert many == alone
        assert any(alone)
        scored_alone = [
            [(p.b, p.decision) for p in match_keys(session, org.organization_id, k, drop_dismissed=False)]
            for k in probes
        ]
        scored_many = [
            [(p.b, p.decision) for p in pairs]
            for pairs in match_keys_many(session, org.organization_id, probes)
        ]
        assert scored_many == scored_alone
