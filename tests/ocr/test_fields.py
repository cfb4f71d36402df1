"""Field extraction rules on fake OCR lines (Japanese and English), and front/back merging."""

from __future__ import annotations

from ocr.fields import detect_lang, extract_fields
from ocr.fields.people import split_title
from ocr.layout import fix_kana_kanji, join_cjk
from tests.ocr.fake import lines_for

JAPANESE_CARD = [
    ("山田運輸株式会社", 40),
    ("マーケティング本部 課長", 28),
    ("林 知実", 70),
    ("Satomi Hayashi", 26),
    ("〒716-3632 高知県山武郡横芝光町鶴ヶ丘32丁目23番7号", 24),
    ("TEL 045-597-4479 FAX 045-436-8175", 20),
    ("携帯 090-5181-4166", 20),
    ("E-mail: satomi.hayashi@sat85-hayashi.jp", 24),
    ("https://www.sat85-hayashi.jp", 24),
    ("Creating Value for Tomorrow", 16),
]

ENGLISH_CARD = [
    ("Walker PLC", 30),
    ("Rebekah Jackson", 60),
    ("Director of Marketing", 26),
    ("347 Mark Mill, West Jamesland, NV 70929", 22),
    ("T +44 131 496 0708", 22),
    ("M 07700 900123", 22),
    ("rebekah.jackson@walker.co.uk", 22),
    ("www.walker.co.uk", 22),
]


def values(fields: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {name: field.value for name, field in fields.items()}


def test_japanese_card_fields() -> None:
    lang, fields = extract_fields(lines_for(JAPANESE_CARD))
    got = values(fields)
    assert lang == "ja"
    assert got["company"] == "山田運輸株式会社"
    assert got["department"] == "マーケティング本部"
    assert got["title"] == "課長"
    assert got["name"] == "林 知実"
    assert got["name_romaji"] == "Satomi Hayashi"
    assert got["postal_code"] == "716-3632"
    assert got["address"] == "高知県山武郡横芝光町鶴ヶ丘32丁目23番7号"
    assert got["phone"] == "045-597-4479"
    assert got["fax"] == "045-436-8175"
    assert got["mobile"] == "090-5181-4166"
    assert got["email"] == "satomi.hayashi@sat85-hayashi.jp"
    assert got["url"] == "https://www.sat85-hayashi.jp"
    assert "name_kana" not in got


def test_phones_carry_e164_and_boxes() -> None:
    _, fields = extract_fields(lines_for(JAPANESE_CARD))
    assert fields["phone"].e164 == "+81455974479"
    assert fields["mobile"].e164 == "+819051814166"
    d = fields["mobile"].to_dict()
    assert set(d) == {"value", "confidence", "box", "side", "e164"}
    assert "e164" not in fields["email"].to_dict()
    _, _, width, height = fields["name"].box
    assert width > 0 and height >= 70


def test_unlabelled_070_080_090_numbers_are_mobiles() -> None:
    _, fields = extract_fields(lines_for([("株式会社テスト", 30), ("佐藤 花子", 60), ("080-1234-5678", 20)]))
    assert fields["mobile"].value == "080-1234-5678"
    assert "phone" not in fields


def test_kana_reading_and_legal_form_after_the_name() -> None:
    card = [
        ("(株)サンプル", 30),
        ("佐藤 花子", 60),
        ("サトウ ハナコ", 20),
        ("営業部 部長", 24),
        ("TEL 03-1234-5678", 20),
    ]
    _, fields = extract_fields(lines_for(card))
    got = values(fields)
    assert got["company"] == "(株)サンプル"
    assert got["name"] == "佐藤 花子"
    assert got["name_kana"] == "サトウ ハナコ"
    assert got["department"] == "営業部"
    assert got["title"] == "部長"


def test_slogans_and_logo_words_do_not_become_company_or_name() -> None:
    card = [
        ("Creating Value for Tomorrow", 40),
        ("INNOVATE", 80),
        ("ISO 27001 認証取得", 16),
        ("TEL 03-1234-5678", 20),
    ]
    _, fields = extract_fields(lines_for(card))
    assert "company" not in fields
    assert "name" not in fields


def test_english_card_fields() -> None:
    lang, fields = extract_fields(lines_for(ENGLISH_CARD))
    got = values(fields)
    assert lang == "en"
    assert got["company"] == "Walker PLC"
    assert got["name"] == "Rebekah Jackson"
    assert got["title"] == "Director of Marketing"
    assert got["address"] == "347 Mark Mill, West Jamesland, NV 70929"
    assert got["phone"] == "+44 131 496 0708"
    assert fields["phone"].e164 == "+441314960708"
    assert got["mobile"] == "07700 900123"
    assert got["email"] == "rebekah.jackson@walker.co.uk"
    assert got["url"] == "www.walker.co.uk"
    assert got["postal_code"] == "70929"  # inside the address, and on its own


def test_english_company_without_legal_form_found_by_domain() -> None:
    card = [
        ("Wong-Chapman", 30),
        ("Emma Berry", 56),
        ("Senior Engineer", 24),
        ("emma.berry@wongchapman.io", 20),
    ]
    _, fields = extract_fields(lines_for(card))
    assert fields["company"].value == "Wong-Chapman"
    assert fields["name"].value == "Emma Berry"
    assert fields["title"].value == "Senior Engineer"


def test_ocr_slips_in_email_are_repaired() -> None:
    _, fields = extract_fields(lines_for([("E-mail: taro④example.co.JD", 20)]))
    assert fields["email"].value == "taro@example.co.jp"
    assert fields["email"].confidence < 0.8  # a repaired value is less certain


def test_low_ocr_confidence_gives_low_field_confidence() -> None:
    _, sure = extract_fields(lines_for(JAPANESE_CARD, confidence=0.95))
    _, unsure = extract_fields(lines_for(JAPANESE_CARD, confidence=0.4))
    for name in ("name", "company", "email", "phone"):
        assert unsure[name].confidence < sure[name].confidence - 0.2
        assert unsure[name].confidence < 0.6


def test_split_title_and_department() -> None:
    assert split_title("開発部 第二グループ 係長") == ("開発部 第二グループ", "係長")
    assert split_title("情報システム部取締役CTO") == ("情報システム部", "取締役 CTO")
    assert split_title("代表取締役社長") == ("", "代表取締役社長")


def test_kana_kanji_lookalikes_and_spacing() -> None:
    assert fix_kana_kanji("第ニグループ") == "第二グループ"
    assert fix_kana_kanji("山ロ") == "山口"
    assert fix_kana_kanji("マーケティング") == "マーケティング"
    assert join_cjk("山田 運輸 Co Ltd") == "山田運輸 Co Ltd"


def test_detect_lang() -> None:
    assert detect_lang(lines_for(JAPANESE_CARD)) == "ja"
    assert detect_lang(lines_for(ENGLISH_CARD)) == "en"


def test_fragments_of_one_printed_line_are_merged() -> None:
    from ocr.engine import Word
    from ocr.layout import group_lines

    words = [
        Word(text="兵庫県四街道市", confidence=0.9, box=(60, 100, 170, 24), line_key=(1, 1, 1)),
        Word(text="20丁目12番7号", confidence=0.9, box=(236, 102, 150, 24), line_key=(2, 1, 1)),
        Word(text="TEL 03-1234-5678", confidence=0.9, box=(60, 140, 200, 20), line_key=(3, 1, 1)),
    ]
    lines = group_lines(words)
    assert [ln.text for ln in lines] == ["兵庫県四街道市20丁目12番7号", "TEL 03-1234-5678"]


def test_title_printed_before_the_name() -> None:
    card = [("株式会社テスト", 30), ("代表取締役 山田 太郎", 60), ("TEL 03-1234-5678", 20)]
    _, fields = extract_fields(lines_for(card))
    assert fields["name"].value == "山田 太郎"
    assert fields["title"].value == "代表取締役"


def test_postal_code_without_hyphen_after_the_mark() -> None:
    card = [("株式会社テスト", 30), ("山田 太郎", 60), ("〒1000001 東京都千代田区千代田1-1", 20)]
    _, fields = extract_fields(lines_for(card))
    assert fields["postal_code"].value == "100-0001"
    assert fields["address"].value == "東京都千代田区千代田1-1"
