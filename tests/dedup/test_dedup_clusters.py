"""Tests of find_duplicates: pairs, clusters from merge links only, and refused unions."""

from __future__ import annotations

from contacts.dedup import find_duplicates
from tests.dedup.factories import ACME, card


def test_three_cards_of_one_person_form_one_cluster() -> None:
    cards = [
        card(id="1", name="山田 太郎", email="taro@acme.co.jp", **ACME),
        card(id="2", name="山田太郎", email="taro@acme.co.jp", mobile="090-1234-5678"),
        card(id="3", name="ヤマダ タロウ", email="taro@acme.co.jp", mobile="090-1234-5678"),
    ]
    result = find_duplicates(cards)
    assert result.clusters == [["1", "2", "3"]]


def test_review_pairs_do_not_make_clusters() -> None:
    cards = [
        card(id="1", name="山田 太郎", email="taro@acme.co.jp", **ACME),
        card(id="2", name="山田 太郎", email="yamada@beta.co.jp", company="ベータ商事"),
    ]
    result = find_duplicates(cards)
    assert [p.decision for p in result.pairs] == ["review"]
    assert result.clusters == []


def test_cluster_refuses_two_different_mobiles() -> None:
    # 1 and 3 are namesakes with different mobiles; 2 shares the e-mail of both (a shared old address).
    cards = [
        card(id="1", name="山田 太郎", email="yamada@acme.co.jp", mobile="090-1111-1111"),
        card(id="2", name="山田 太郎", email="yamada@acme.co.jp"),
        card(id="3", name="山田 太郎", email="yamada@acme.co.jp", mobile="090-2222-2222"),
    ]
    result = find_duplicates(cards)
    assert all(not {"1", "3"} <= set(c) for c in result.clusters)


def test_cluster_takes_two_free_mail_inboxes_of_one_person() -> None:
    # One mobile, two gmail inboxes: one person's (two company inboxes would be two people's).
    cards = [
        card(id="1", name="山田 太郎", email="taro.yamada@gmail.com", mobile="090-1111-1111"),
        card(id="2", name="山田 太郎", mobile="090-1111-1111"),
        card(id="3", name="山田 太郎", email="yamada.t.1980@gmail.com", mobile="090-1111-1111"),
    ]
    assert find_duplicates(cards).clusters == [["1", "2", "3"]]


def test_pairs_carry_ids_scores_and_reasons() -> None:
    cards = [
        card(id="a", name="山田 太郎", mobile="090-1234-5678"),
        card(id="b", name="山田太郎", mobile="09012345678"),
    ]
    (pair,) = find_duplicates(cards).pairs
    assert (pair.a, pair.b, pair.decision) == ("a", "b", "merge")
    assert 0.0 < pair.score <= 1.0
    assert "mobile:same" in pair.reasons


def test_parallel_and_serial_runs_agree() -> None:
    from tests.dedup.synthetic import generate_cards

    records = [c.record for c in generate_cards(600, seed=11)]
    serial = find_duplicates(records, workers=1)
    assert find_duplicates(records, workers=2).pairs == serial.pairs


def test_a_generator_of_records_gives_the_same_result_as_a_list() -> None:
    cards = [card(id=str(n), name="山田 太郎", mobile="090-1234-5678") for n in range(1, 4)]
    assert find_duplicates(c for c in cards) == find_duplicates(cards)


def test_progress_reports_every_stage() -> None:
    stages: list[str] = []
    cards = [card(id="1", name="山田 太郎"), card(id="2", name="山田 太郎")]
    find_duplicates(cards, progress=lambda stage, done, total: stages.append(stage))
    assert {"keys", "blocking", "scoring", "clustering"} <= set(stages)
