"""Unit tests of the engine's comparisons, gates, decisions and reasons."""

from __future__ import annotations

import json

from contacts.dedup import MatchKeys, NameStats, blocking_keys, match_one, score_pair
from tests.dedup.factories import ACME, keys


def test_same_name_and_personal_email_merges() -> None:
    a = keys(name="山田 太郎", email="taro.yamada@acme.co.jp", **ACME)
    b = keys(name="山田太郎", email="Taro.Yamada@ACME.co.jp", company="アクメ(株)")
    result = score_pair(a, b)
    assert result.decision == "merge"
    assert "email:same" in result.reasons


def test_coworkers_sharing_company_phone_address_and_domain_do_not_match() -> None:
    a = keys(name="山田 太郎", email="taro.yamada@acme.co.jp", **ACME)
    b = keys(name="鈴木 花子", email="hanako.suzuki@acme.co.jp", **ACME)
    assert score_pair(a, b).decision is None


def test_namesake_coworkers_with_different_inboxes_do_not_merge() -> None:
    a = keys(name="佐藤 翔太", email="shota.sato@acme.co.jp", **ACME)
    b = keys(name="佐藤 翔太", email="shota.sato2@acme.co.jp", **ACME)
    result = score_pair(a, b)
    assert result.decision != "merge"
    assert "email:differ_same_domain" in result.reasons


def test_different_mobiles_block_a_merge() -> None:
    a = keys(name="山田 太郎", mobile="090-1111-2222", **ACME)
    b = keys(name="山田 太郎", mobile="090-3333-4444", **ACME)
    result = score_pair(a, b)
    assert result.decision != "merge"
    assert "mobile:differ" in result.reasons


def test_kanji_variants_and_width_fold_to_an_exact_name() -> None:
    a = keys(name="髙橋　一郎", mobile="０９０－１２３４－５６７８")
    b = keys(name="高橋 一郎", mobile="090-1234-5678")
    result = score_pair(a, b)
    assert result.decision == "merge"
    assert "name:exact" in result.reasons


def test_sai_surnames_compare_as_variant() -> None:
    a = keys(name="斎藤 一郎", mobile="090-1234-5678")
    b = keys(name="斉藤 一郎", mobile="090-1234-5678")
    assert "name:variant" in score_pair(a, b).reasons


def test_english_side_card_meets_kanji_card_through_the_reading() -> None:
    a = keys(name="大野 太郎", name_kana="オオノ タロウ", email="t.ono@acme.co.jp")
    b = keys(name="Taro OHNO", email="t.ono@acme.co.jp", company="ACME Co., Ltd.")
    result = score_pair(a, b)
    assert result.decision == "merge"
    assert "name:reading" in result.reasons


def test_english_company_name_is_not_held_against_the_japanese_one() -> None:
    a = keys(name="大野 太郎", name_kana="オオノ タロウ", company="株式会社アクメ")
    b = keys(name="Taro Ono", company="ACME Co., Ltd.")
    assert not any(r.startswith("company:") for r in score_pair(a, b).reasons)


def test_job_change_with_the_same_mobile_merges() -> None:
    a = keys(name="山田 太郎", mobile="090-1234-5678", **ACME)
    b = keys(
        name="山田 太郎", mobile="090-1234-5678", company="ベータ商事株式会社", email="yamada@beta.co.jp"
    )
    result = score_pair(a, b)
    assert result.decision == "merge"
    assert "company:differ" in result.reasons


def test_job_change_without_shared_identifier_is_a_review() -> None:
    a = keys(name="山田 太郎", email="taro@acme.co.jp", **ACME)
    b = keys(name="山田 太郎", email="yamada@beta.co.jp", company="ベータ商事株式会社")
    assert score_pair(a, b).decision == "review"


def test_shared_role_inbox_is_not_evidence_for_the_person() -> None:
    a = keys(name="山田 太郎", email="info@acme.co.jp")
    b = keys(name="鈴木 花子", email="info@acme.co.jp")
    assert score_pair(a, b).decision is None


def test_ocr_slip_in_an_email_is_not_a_conflict() -> None:
    a = keys(name="山田 太郎", email="taro.yamada@acme.co.jp", mobile="090-1234-5678")
    b = keys(name="山田 太郎", email="tar0.yamada@acme.co.jp", mobile="090-1234-5678")
    result = score_pair(a, b)
    assert result.decision == "merge"
    assert "email:similar" in result.reasons


def test_same_email_with_a_different_name_is_only_a_review() -> None:
    a = keys(name="山田 太郎", email="taro.yamada@acme.co.jp")
    b = keys(name="鈴木 花子", email="taro.yamada@acme.co.jp")
    assert score_pair(a, b).decision == "review"


def test_common_names_weigh_less() -> None:
    a = keys(name="佐藤 翔太", **ACME)
    b = keys(name="佐藤 翔太", **ACME)
    stats = NameStats(total=1_000_000)
    stats.counts.update({"f:佐藤": 15_000, "g:翔太": 5_000})
    plain, common = score_pair(a, b), score_pair(a, b, stats=stats)
    assert common.points < plain.points
    assert any(r.startswith("name:common") for r in common.reasons)


def test_score_is_between_zero_and_one_and_follows_points() -> None:
    strong = score_pair(
        keys(name="山田 太郎", email="t@acme.co.jp"), keys(name="山田 太郎", email="t@acme.co.jp")
    )
    weak = score_pair(keys(name="山田 太郎"), keys(name="鈴木 花子"))
    assert 0.0 <= weak.score < strong.score <= 1.0


def test_latin_names_compare_family_and_given_parts() -> None:
    a = keys(family_name="mccarthy", given_name="harley", address="177 pridham street, milton")
    b = keys(family_name="mccarthy", given_name="harly", address="177 pridhamstreet, milton")
    result = score_pair(a, b)
    assert "family_name:exact" in result.reasons
    assert "given_name:close" in result.reasons
    assert result.decision is not None


def test_swapped_latin_names_are_recognised() -> None:
    a = keys(family_name="green", given_name="mitchell")
    b = keys(family_name="mitchell", given_name="green")
    assert "name:swapped" in score_pair(a, b).reasons


def test_match_keys_round_trip_through_json() -> None:
    k = keys(
        name="山田 太郎", name_kana="ヤマダ タロウ", email="t@acme.co.jp", mobile="090-1234-5678", **ACME
    )
    assert MatchKeys.from_dict(json.loads(json.dumps(k.to_dict()))) == k


def test_blocking_keys_cover_email_mobile_name_company_reading_and_domain() -> None:
    k = keys(
        name="山田 太郎", name_kana="やまだ たろう", email="taro@acme.co.jp", mobile="090-1234-5678", **ACME
    )
    prefixes = {key.split(":", 1)[0] for key in blocking_keys(k)}
    assert {"em", "mb", "nm", "rd", "nc", "dm"} <= prefixes
    assert "mb:+819012345678" in blocking_keys(k)
    assert "nc:山田|アクメ" in blocking_keys(k)


def test_match_one_ranks_candidates_and_names_them() -> None:
    new = keys(id="new", name="山田 太郎", email="taro@acme.co.jp")
    same = keys(id="same", name="山田 太郎", email="taro@acme.co.jp")
    other = keys(id="other", name="鈴木 花子", email="hanako@acme.co.jp")
    found = match_one(new, [other, same])
    assert [(p.a, p.b, p.decision) for p in found] == [("new", "same", "merge")]


def test_kanji_card_without_reading_meets_romaji_card_through_a_guess() -> None:
    a = keys(name="髙橋 一郎", email="ichiro.takahashi@acme.co.jp")
    b = keys(name="Ichiro Takahashi", email="ichiro.takahashi@acme.co.jp")
    result = score_pair(a, b)
    assert "name:reading_guess" in result.reasons
    assert result.decision == "merge"


def test_a_wrong_reading_guess_is_not_held_against_the_pair() -> None:
    a = keys(name="山田 淳", mobile="090-1234-5678")
    b = keys(name="Makoto Yamada", mobile="090-1234-5678")
    assert "name:unknown" in score_pair(a, b).reasons


def test_two_free_mail_inboxes_are_no_conflict() -> None:
    # One person keeps several gmail inboxes, and everybody has one: the shared domain says nothing.
    a = keys(name="佐藤 翔太", email="shota.sato@gmail.com", mobile="090-1111-2222", **ACME)
    b = keys(name="佐藤 翔太", email="sato.shota.work@gmail.com", mobile="090-1111-2222", **ACME)
    result = score_pair(a, b)
    assert "email:differ_same_domain" not in result.reasons
    assert result.decision == "merge"


def test_two_carrier_mail_inboxes_are_no_conflict() -> None:
    a = keys(name="佐藤 翔太", email="shota@docomo.ne.jp", mobile="090-1111-2222", **ACME)
    b = keys(name="佐藤 翔太", email="sato-s@docomo.ne.jp", mobile="090-1111-2222", **ACME)
    assert score_pair(a, b).decision == "merge"
