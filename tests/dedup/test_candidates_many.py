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


def test_one_record_reads_the_candidates_and_block_sizes_its_blocks_hold(org: OrgClient) -> None:
    office = [{"value": "03-1234-5678", "type": "work"}]
    for i in range(stored.SHARED_BLOCK_LIMIT + 2):  # a main number: its block is full
        factories.contact(org, full_name=f"社員 {i:02d}", company_name="アクメ", phones=office)
    taro = factories.contact(org, full_name="山田 太郎", company_name="アクメ", phones=office)["id"]
    hanako = factories.contact(org, full_name="山田 花子", company_name="アクメ")["id"]
    probe = factories.match_keys(name="山田 太郎", phone="03-1234-5678", company="アクメ")
    with session_factory(org.app)() as session:
        alone = stored.fetch_candidates(session, org.organization_id, probe, exclude=[hanako])
        blocks = stored.fetch_blocks(session, org.organization_id, [probe]).candidates(probe)
    assert sorted(k.id for k in alone.keys) == sorted(k.id for k in blocks.keys if k.id != hanako)
    assert (alone.stats.total, alone.stats.counts) == (blocks.stats.total, blocks.stats.counts)
    assert [k.id for k in alone.keys] == [taro]  # not the main number's members, not the excluded
    assert alone.stats.counts["p:+81312345678"] == stored.SHARED_BLOCK_LIMIT + 1  # the full block counts
