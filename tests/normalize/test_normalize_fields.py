"""Example-based tests of contacts.normalize: one behaviour per test."""

from __future__ import annotations

import pytest

from contacts.normalize import (
    company_key_from_email,
    domain_of_url,
    fold_loose,
    fold_text,
    is_free_mail_domain,
    is_role_email,
    normalize_address,
    normalize_company_name,
    normalize_email,
    normalize_postal_code,
    phone_type_of,
    romaji_key,
    romaji_tokens,
    to_e164,
)


def test_fold_text_folds_width_case_and_spaces() -> None:
    assert fold_text("ＡＢＣ　Ｄｅｆ ghi") == "abcdefghi"


def test_fold_text_turns_hiragana_into_katakana() -> None:
    assert fold_text("やまだ たろう") == "ヤマダタロウ"


def test_fold_text_folds_half_width_katakana_with_voiced_marks() -> None:
    assert fold_text("ﾔﾏﾀﾞ") == "ヤマダ"


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("𠮷田", "吉田"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("澤田", "沢田"),
        ("濱田", "浜田"),
        ("中嶋", "中島"),
        ("冨田", "富田"),
        ("齋藤", "斎藤"),
        ("宮嵜", "宮崎"),
        ("髙槗", "高橋"),
    ],
)
def test_fold_text_folds_kanji_variants(variant: str, standard: str) -> None:
    assert fold_text(variant) == fold_text(standard)


def test_fold_text_keeps_sai_surnames_apart() -> None:
    assert fold_text("斎藤") != fold_text("斉藤")


def test_fold_loose_merges_sai_surnames() -> None:
    assert fold_loose("齋藤") == fold_loose("斎藤") == fold_loose("斉藤") == fold_loose("齊藤")


def test_fold_text_drops_ideographic_variation_selectors() -> None:
    assert fold_text("葛\U000e0100飾") == "葛飾"


@pytest.mark.parametrize(
    "raw",
    [
        "03-1234-5678",
        "０３（１２３４）５６７８",
        "+81 3 1234 5678",
        "81-3-1234-5678",
        "TEL: 03.1234.5678",
        "03-1234-5678 内線 123",
        "03-1234-5678 ext. 45",
        "03-1234-5678 x45",
    ],
)
def test_to_e164_reads_japanese_formats(raw: str) -> None:
    assert to_e164(raw) == "+81312345678"


@pytest.mark.parametrize("raw", ["", "abc", "123", "03-1234"])
def test_to_e164_returns_none_for_garbage(raw: str) -> None:
    assert to_e164(raw) is None


def test_to_e164_uses_region_for_national_numbers() -> None:
    assert to_e164("(650) 253-0000", region="US") == "+16502530000"


@pytest.mark.parametrize(
    ("e164", "kind"),
    [
        ("+819012345678", "mobile"),
        ("+818012345678", "mobile"),
        ("+817012345678", "mobile"),
        ("+81312345678", "fixed"),
        ("+81120123456", "other"),
    ],
)
def test_phone_type_of(e164: str, kind: str) -> None:
    assert phone_type_of(e164) == kind


def test_normalize_email_lowercases() -> None:
    assert normalize_email(" Taro.Yamada@Example.CO.JP ") == "taro.yamada@example.co.jp"


def test_normalize_email_folds_full_width() -> None:
    assert normalize_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"


@pytest.mark.parametrize("raw", ["", "taro", "taro@", "@example.com", "taro@@example.com", "taro@exa mple"])
def test_normalize_email_rejects_invalid(raw: str) -> None:
    with pytest.raises(ValueError, match="invalid e-mail"):
        normalize_email(raw)


@pytest.mark.parametrize(
    "email", ["info@abc.co.jp", "sales@abc.co.jp", "support-jp@abc.com", "noreply@x.com"]
)
def test_is_role_email_flags_shared_inboxes(email: str) -> None:
    assert is_role_email(email)


def test_is_role_email_accepts_personal_addresses() -> None:
    assert not is_role_email("taro.yamada@abc.co.jp")


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "yahoo.co.jp",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "i.softbank.jp",
        "icloud.com",
        "outlook.jp",
        "xa2.so-net.ne.jp",
    ],
)
def test_is_free_mail_domain_flags_free_and_carrier_mail(domain: str) -> None:
    assert is_free_mail_domain(domain)


def test_is_free_mail_domain_accepts_corporate_domain() -> None:
    assert not is_free_mail_domain("abc.co.jp")


@pytest.mark.parametrize(
    "name",
    [
        "株式会社ABC",
        "ABC株式会社",
        "ABC㈱",
        "(株)ABC",
        "（株）ＡＢＣ",
        "ABC Co., Ltd.",
        "ABC CO.,LTD",
        "ABC Inc.",
        "ABC Corporation",
        "ABC Corp.",
        "ABC K.K.",
        "Kabushiki Kaisha ABC",
        "ABC GmbH",
        "ABC Company Limited",
        "ABC LLC",
        "ABC G.K.",
        "合同会社ＡＢＣ",
    ],
)
def test_normalize_company_name_strips_legal_forms(name: str) -> None:
    assert normalize_company_name(name) == "abc"


@pytest.mark.parametrize(
    "name", ["一般社団法人日本協会", "特定非営利活動法人日本協会", "(一社)日本協会", "NPO法人 日本協会"]
)
def test_normalize_company_name_strips_japanese_corporate_forms(name: str) -> None:
    assert normalize_company_name(name) == "日本協会"


def test_normalize_company_name_keeps_words_containing_legal_forms() -> None:
    assert normalize_company_name("Incubate Cosmos Inc.") == "incubatecosmos"


def test_normalize_company_name_empty() -> None:
    assert normalize_company_name("") == ""


def test_company_key_from_email_returns_registrable_domain() -> None:
    assert company_key_from_email("taro@sales.abc.co.jp") == "abc.co.jp"


def test_company_key_from_email_is_none_for_free_mail() -> None:
    assert company_key_from_email("taro@gmail.com") is None


@pytest.mark.parametrize(
    "url", ["https://www.abc.co.jp/about", "http://abc.co.jp", "www.abc.co.jp", "abc.co.jp/"]
)
def test_domain_of_url(url: str) -> None:
    assert domain_of_url(url) == "abc.co.jp"


def test_domain_of_url_none_for_non_url() -> None:
    assert domain_of_url("not a url") is None


@pytest.mark.parametrize("spelling", ["オオノ", "おおの", "Ōno", "Ohno", "Ono", "OONO", "ｵｵﾉ"])
def test_romaji_key_folds_long_vowels(spelling: str) -> None:
    assert romaji_key(spelling) == romaji_key("Ono")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Shinichi", "Siniti"),
        ("Tsutsumi", "Tutumi"),
        ("Fujita", "Huzita"),
        ("Homma", "Honma"),
        ("Shin'ichi", "シンイチ"),
        ("Junichiro", "ジュンイチロウ"),
        ("Hattori", "はっとり"),
        ("Saitoh", "サイトウ"),
        ("Kyoko", "キョウコ"),
    ],
)
def test_romaji_key_folds_kunrei_and_hepburn(a: str, b: str) -> None:
    assert romaji_key(a) == romaji_key(b)


def test_romaji_key_empty_for_kanji() -> None:
    assert romaji_key("高橋") == ""


def test_romaji_key_distinguishes_different_names() -> None:
    assert romaji_key("Sato") != romaji_key("Kato")


def test_romaji_tokens_keeps_parts() -> None:
    assert romaji_tokens("Taro YAMADA") == ["taro", "yamada"]


@pytest.mark.parametrize("raw", ["〒100-0001", "100-0001", "１００－０００１", "1000001"])
def test_normalize_postal_code(raw: str) -> None:
    assert normalize_postal_code(raw) == "1000001"


def test_normalize_postal_code_rejects_wrong_length() -> None:
    assert normalize_postal_code("100-001") == ""


@pytest.mark.parametrize(
    "address",
    [
        "東京都千代田区千代田1丁目2番3号",
        "東京都千代田区千代田一丁目2番3号",
        "東京都千代田区千代田１－２－３",
        "東京都千代田区千代田1-2-3",
        "東京都千代田区千代田1丁目2番地3",
        "東京都 千代田区 千代田 1‐2‐3",
        "〒100-0001 東京都千代田区千代田1-2-3",
    ],
)
def test_normalize_address_unifies_block_numbers(address: str) -> None:
    assert normalize_address(address) == "東京都千代田区千代田1-2-3"


def test_normalize_address_keeps_different_numbers_apart() -> None:
    assert normalize_address("千代田1-2-3") != normalize_address("千代田1-2-4")


def test_guess_romaji_key_folds_variants_before_guessing() -> None:
    from contacts.normalize import guess_romaji_key

    assert guess_romaji_key("髙橋") == romaji_key("Takahashi")


def test_guess_romaji_key_is_empty_for_empty_input() -> None:
    from contacts.normalize import guess_romaji_key

    assert guess_romaji_key("") == ""
