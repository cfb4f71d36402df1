"""Property tests of contacts.normalize: idempotence, concatenation and symmetry."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.normalize import (
    fold_loose,
    fold_text,
    normalize_address,
    normalize_company_name,
    normalize_email,
    normalize_postal_code,
    phone_type_of,
    romaji_key,
    to_e164,
)

# Ordinary card text: ASCII, full-width forms, kana, common and variant kanji, spaces.
ORDINARY = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ019 -.@()&")
        + list("ＡＢＣ０１２（）＠　")
        + list("あいうかがぱっアイウカガパッー")
        + list("高髙崎﨑辺邊邉斎齋斉藤田山中島嶋吉𠮷株式会社丁目番号")
    ),
    max_size=30,
)


@given(st.text(max_size=40))
def test_fold_text_is_idempotent_on_any_text(s: str) -> None:
    assert fold_text(fold_text(s)) == fold_text(s)


@given(st.text(max_size=40))
def test_fold_loose_is_idempotent_on_any_text(s: str) -> None:
    assert fold_loose(fold_loose(s)) == fold_loose(s)


@given(ORDINARY, ORDINARY)
def test_fold_text_distributes_over_concatenation(a: str, b: str) -> None:
    assert fold_text(a + b) == fold_text(a) + fold_text(b)


@given(ORDINARY)
def test_fold_text_has_no_whitespace(s: str) -> None:
    assert not any(ch.isspace() for ch in fold_text(s))


@given(ORDINARY, ORDINARY)
def test_fold_text_equality_is_symmetric_through_fold_loose(a: str, b: str) -> None:
    # Anything fold_text identifies, fold_loose identifies too (loose is coarser).
    if fold_text(a) == fold_text(b):
        assert fold_loose(a) == fold_loose(b)


@given(st.text(max_size=40))
def test_normalize_company_name_is_idempotent(s: str) -> None:
    assert normalize_company_name(normalize_company_name(s)) == normalize_company_name(s)


@given(ORDINARY)
@settings(max_examples=200)
def test_normalize_address_is_idempotent(s: str) -> None:
    assert normalize_address(normalize_address(s)) == normalize_address(s)


@given(st.text(max_size=20))
def test_normalize_postal_code_is_idempotent(s: str) -> None:
    assert normalize_postal_code(normalize_postal_code(s)) == normalize_postal_code(s)


@given(st.from_regex(r"0[1-9]0-[0-9]{4}-[0-9]{4}", fullmatch=True))
def test_to_e164_is_idempotent_on_valid_numbers(raw: str) -> None:
    e164 = to_e164(raw)
    if e164 is not None:
        assert to_e164(e164) == e164


@given(
    st.text(
        alphabet=st.sampled_from(list("アイウエオカキクケコサシスセソタチツテトナンッーャュョガジ")),
        max_size=12,
    )
)
def test_romaji_key_is_idempotent_through_its_own_output(s: str) -> None:
    key = romaji_key(s)
    assert romaji_key(key) == key


@given(st.text(alphabet=st.sampled_from(list("あいうえおかきくけこさしすせそんっー")), max_size=12))
def test_romaji_key_same_for_hiragana_and_katakana(s: str) -> None:
    katakana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in s)
    assert romaji_key(s) == romaji_key(katakana)


@given(
    st.from_regex(r"[a-z0-9_%+\-]{1,10}(\.[a-z0-9]{1,5})?@[a-z0-9]{1,10}\.(com|co\.jp|jp)", fullmatch=True)
)
def test_normalize_email_fast_path_agrees_with_email_validator(address: str) -> None:
    import email_validator

    try:
        expected = email_validator.validate_email(address, check_deliverability=False).normalized.lower()
    except email_validator.EmailNotValidError:
        return
    assert normalize_email(address.upper()) == expected


@given(st.from_regex(r"0[36789]0?[0-9]{8}", fullmatch=True))
def test_to_e164_fast_paths_agree_with_phonenumbers(digits: str) -> None:
    import phonenumbers

    from contacts.normalize.phone import _to_e164_slow

    assert to_e164(digits) == _to_e164_slow(digits, "JP")
    e164 = to_e164(digits)
    if e164 is not None and e164[3] in "36":  # 070/080/090 are mobile by rule, whatever the metadata says
        number = phonenumbers.parse(e164, None)
        kind = phonenumbers.number_type(number)
        expected = {
            phonenumbers.PhoneNumberType.MOBILE: "mobile",
            phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
        }
        assert phone_type_of(e164) == expected.get(kind, "other")
