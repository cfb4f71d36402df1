"""Deterministic synthetic Japanese business-card data with known duplicates, for tests and benchmarks.

People work at companies and hand out several cards over time. Cards vary the way real ones do: width
forms, kanji variants (髙/高, 﨑/崎, 邊/辺 ...), legal-form spellings and positions, English-side cards with
romaji names in either order and any long-vowel spelling, printed or missing readings, OCR confusions,
missing fields and job changes. Coworkers share the company's main number, address and domain, and some
different people share a name (homonyms). Names are built from common surname and given-name parts so
that name frequencies are skewed as in real bases.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TypeVar

from contacts.dedup.records import ContactRecord
from contacts.normalize.romaji import _kana_to_romaji

_Item = TypeVar("_Item")

__all__ = ["SyntheticCard", "generate_cards", "true_pairs", "write_csv"]

# (kanji, katakana reading, variant forms) for surname parts.
_SURNAME_HEADS = [
    ("佐", "サ", ""),
    ("鈴", "スズ", ""),
    ("高", "タカ", "髙"),
    ("田", "タ", ""),
    ("伊", "イ", ""),
    ("渡", "ワタ", ""),
    ("山", "ヤマ", ""),
    ("中", "ナカ", ""),
    ("小", "コ", ""),
    ("加", "カ", ""),
    ("吉", "ヨシ", "𠮷"),
    ("松", "マツ", ""),
    ("井", "イ", ""),
    ("木", "キ", ""),
    ("林", "ハヤシ", ""),
    ("斎", "サイ", "齋"),
    ("斉", "サイ", "齊"),
    ("清", "キヨ", ""),
    ("森", "モリ", ""),
    ("池", "イケ", ""),
    ("石", "イシ", ""),
    ("前", "マエ", ""),
    ("藤", "フジ", ""),
    ("岡", "オカ", ""),
    ("長", "ナガ", ""),
    ("大", "オオ", ""),
    ("富", "トミ", "冨"),
    ("西", "ニシ", ""),
    ("村", "ムラ", ""),
    ("宮", "ミヤ", ""),
    ("桜", "サクラ", "櫻"),
    ("浜", "ハマ", "濱"),
    ("沢", "サワ", "澤"),
    ("島", "シマ", "嶋"),
    ("坂", "サカ", ""),
]
_SURNAME_TAILS = [
    ("藤", "トウ", ""),
    ("木", "キ", ""),
    ("橋", "ハシ", "槗"),
    ("中", "ナカ", ""),
    ("田", "ダ", ""),
    ("辺", "ナベ", "邊邉"),
    ("本", "モト", ""),
    ("村", "ムラ", ""),
    ("川", "カワ", ""),
    ("野", "ノ", ""),
    ("崎", "サキ", "﨑嵜"),
    ("島", "ジマ", "嶋"),
    ("口", "グチ", ""),
    ("井", "イ", ""),
    ("原", "ハラ", ""),
    ("沢", "ザワ", "澤"),
    ("谷", "タニ", ""),
    ("浜", "ハマ", "濱"),
    ("山", "ヤマ", ""),
    ("部", "ベ", ""),
]
_GIVEN_HEADS = [
    ("太", "タ"),
    ("健", "ケン"),
    ("翔", "ショウ"),
    ("大", "ダイ"),
    ("直", "ナオ"),
    ("和", "カズ"),
    ("誠", "マコト"),
    ("浩", "ヒロ"),
    ("美", "ミ"),
    ("由", "ユ"),
    ("恵", "メグ"),
    ("真", "マ"),
    ("雅", "マサ"),
    ("博", "ヒロ"),
    ("秀", "ヒデ"),
    ("幸", "ユキ"),
    ("智", "トモ"),
    ("達", "タツ"),
    ("洋", "ヨウ"),
    ("隆", "タカ"),
    ("淳", "ジュン"),
    ("優", "ユウ"),
    ("彩", "アヤ"),
    ("陽", "ヨウ"),
    ("修", "シュウ"),
    ("亮", "リョウ"),
    ("純", "ジュン"),
    ("光", "ミツ"),
]
_GIVEN_TAILS = [
    ("郎", "ロウ"),
    ("太", "タ"),
    ("介", "スケ"),
    ("樹", "キ"),
    ("子", "コ"),
    ("美", "ミ"),
    ("也", "ヤ"),
    ("人", "ト"),
    ("司", "ジ"),
    ("一", "イチ"),
    ("彦", "ヒコ"),
    ("香", "カ"),
    ("代", "ヨ"),
    ("希", "キ"),
    ("奈", "ナ"),
    ("平", "ヘイ"),
    ("輔", "スケ"),
    ("絵", "エ"),
]
# Look-alike characters that OCR confuses (only where the result is another real character).
_OCR_KANJI = {
    "太": "大",
    "大": "太",
    "郎": "朗",
    "崎": "埼",
    "島": "鳥",
    "田": "由",
    "木": "本",
    "本": "木",
    "子": "千",
    "沢": "択",
    "浜": "洪",
    "橋": "槁",
    "井": "丼",
    "人": "入",
    "輔": "補",
}
_OCR_ASCII = {"l": "1", "o": "0", "m": "rn", "i": "l", "s": "5"}

_COMPANY_HEADS = [
    "東都",
    "日本",
    "大和",
    "富士",
    "三和",
    "中央",
    "北斗",
    "朝日",
    "光洋",
    "新星",
    "平和",
    "丸紅",
    "旭",
    "昭和",
    "青葉",
    "桜井",
    "菱和",
    "協和",
    "東洋",
    "西武",
]
_COMPANY_HEADS_EN = [
    "Toto",
    "Nippon",
    "Yamato",
    "Fuji",
    "Sanwa",
    "Chuo",
    "Hokuto",
    "Asahi",
    "Koyo",
    "Shinsei",
    "Heiwa",
    "Marubeni",
    "Asahi",
    "Showa",
    "Aoba",
    "Sakurai",
    "Ryowa",
    "Kyowa",
    "Toyo",
    "Seibu",
]
_COMPANY_TAILS = [
    ("商事", "Shoji", "shoji"),
    ("精工", "Seiko", "seiko"),
    ("電機", "Denki", "denki"),
    ("システム", "Systems", "systems"),
    ("物産", "Bussan", "bussan"),
    ("建設", "Kensetsu", "kensetsu"),
    ("製薬", "Pharma", "pharma"),
    ("ソリューションズ", "Solutions", "solutions"),
    ("工業", "Kogyo", "kogyo"),
    ("不動産", "Realty", "realty"),
    ("通信", "Telecom", "telecom"),
    ("食品", "Foods", "foods"),
]
_WARDS = [
    ("千代田区", "Chiyoda-ku", "丸の内", "Marunouchi", "100"),
    ("中央区", "Chuo-ku", "日本橋", "Nihonbashi", "103"),
    ("港区", "Minato-ku", "芝浦", "Shibaura", "108"),
    ("新宿区", "Shinjuku-ku", "西新宿", "Nishishinjuku", "160"),
    ("渋谷区", "Shibuya-ku", "道玄坂", "Dogenzaka", "150"),
    ("品川区", "Shinagawa-ku", "大崎", "Osaki", "141"),
]
_DEPARTMENTS = [
    "営業部",
    "営業第一部",
    "総務部",
    "経理部",
    "開発部",
    "技術部",
    "人事部",
    "企画部",
    "マーケティング部",
]
_TITLES = ["部長", "課長", "係長", "主任", "担当", "マネージャー", "取締役", ""]
_FREE_MAIL = ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "icloud.com"]
_KANJI_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True, slots=True)
class SyntheticCard:
    """One generated card and the person it belongs to."""

    person: int
    record: ContactRecord


@dataclass(slots=True)
class _Company:
    name: str
    name_en: str
    domain: str
    main_phone: str
    ward: int
    block: tuple[int, int, int]
    floor: int
    postal: str


@dataclass(slots=True)
class _Job:
    company: _Company
    email: str
    direct: str
    department: str
    title: str
    floor: int


@dataclass(slots=True)
class _Person:
    family: str
    given: str
    family_kana: str
    given_kana: str
    mobile: str
    private_email: str
    jobs: list[_Job]


def _zipf_choice(rng: random.Random, items: Sequence[_Item], skew: float = 1.0) -> _Item:
    weights = [1.0 / (i + 1) ** skew for i in range(len(items))]
    return rng.choices(items, weights=weights, k=1)[0]


def _hepburn(kana: str) -> str:
    r = _kana_to_romaji(kana)
    for kunrei, hep in (
        ("si", "shi"),
        ("ti", "chi"),
        ("tu", "tsu"),
        ("hu", "fu"),
        ("zi", "ji"),
        ("sy", "sh"),
        ("ty", "ch"),
        ("zy", "j"),
    ):
        r = r.replace(kunrei, hep)
    return r


def _romaji_variant(rng: random.Random, kana: str) -> str:
    r = _hepburn(kana)
    style = rng.random()
    if style < 0.4:
        r = r.replace("ou", "o").replace("oo", "o").replace("uu", "u")
    elif style < 0.55:
        r = r.replace("ou", "oh").replace("oo", "oh")
    elif style < 0.65:
        r = r.replace("ou", "ō").replace("oo", "ō").replace("uu", "ū")
    return r


def _phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randrange(1000, 10000)}-{rng.randrange(1000, 10000)}"


def _make_company(rng: random.Random, n: int) -> _Company:
    h = rng.randrange(len(_COMPANY_HEADS))
    t = rng.randrange(len(_COMPANY_TAILS))
    suffix = "" if n < len(_COMPANY_HEADS) * len(_COMPANY_TAILS) else str(n)
    name = f"{_COMPANY_HEADS[h]}{_COMPANY_TAILS[t][0]}{suffix}"
    name_en = f"{_COMPANY_HEADS_EN[h]} {_COMPANY_TAILS[t][1]}{suffix}"
    domain = f"{_COMPANY_HEADS_EN[h].lower()}-{_COMPANY_TAILS[t][2]}{suffix or n}.co.jp"
    ward = rng.randrange(len(_WARDS))
    return _Company(
        name=name,
        name_en=name_en,
        domain=domain,
        main_phone=_phone(rng, "03"),
        ward=ward,
        block=(rng.randint(1, 5), rng.randint(1, 20), rng.randint(1, 30)),
        floor=rng.randint(1, 30),
        postal=f"{_WARDS[ward][4]}{rng.randrange(0, 10000):04d}",
    )


def _make_person(rng: random.Random, companies: list[_Company], used_emails: set[str]) -> _Person:
    head = _zipf_choice(rng, _SURNAME_HEADS, 0.8)
    tail = _zipf_choice(rng, _SURNAME_TAILS, 0.8)
    ghead = _zipf_choice(rng, _GIVEN_HEADS, 0.6)
    gtail = _zipf_choice(rng, _GIVEN_TAILS, 0.6)
    person = _Person(
        family=head[0] + tail[0],
        given=ghead[0] + gtail[0],
        family_kana=head[1] + tail[1],
        given_kana=ghead[1] + gtail[1],
        mobile=_phone(rng, rng.choice(["090", "080", "070"])) if rng.random() < 0.75 else "",
        private_email="",
        jobs=[],
    )
    if rng.random() < 0.1:
        person.private_email = _unique_email(
            f"{_hepburn(person.given_kana)}.{_hepburn(person.family_kana)}",
            rng.choice(_FREE_MAIL),
            used_emails,
        )
    person.jobs.append(_make_job(rng, person, rng.choice(companies), used_emails))
    return person


def _unique_email(local: str, domain: str, used: set[str]) -> str:
    email = f"{local}@{domain}"
    n = 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def _make_job(rng: random.Random, p: _Person, company: _Company, used: set[str]) -> _Job:
    style = rng.random()
    given, family = _hepburn(p.given_kana), _hepburn(p.family_kana)
    local = f"{given}.{family}" if style < 0.5 else f"{given[0]}-{family}" if style < 0.8 else f"{family}"
    return _Job(
        company=company,
        email=_unique_email(local, company.domain, used) if rng.random() < 0.92 else "",
        direct=_phone(rng, "03") if rng.random() < 0.3 else "",
        department=rng.choice(_DEPARTMENTS),
        title=rng.choice(_TITLES),
        floor=company.floor,
    )


def _width(rng: random.Random, s: str) -> str:
    if rng.random() < 0.3:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)
    return s


def _ocr(rng: random.Random, s: str, table: dict[str, str]) -> str:
    positions = [i for i, c in enumerate(s) if c in table]
    if not positions:
        return s
    i = rng.choice(positions)
    return s[:i] + table[s[i]] + s[i + 1 :]


def _variant_kanji(rng: random.Random, family: str) -> str:
    table = {k: v for k, _, v in _SURNAME_HEADS + _SURNAME_TAILS if v}
    return "".join(rng.choice(table[c]) if c in table and rng.random() < 0.7 else c for c in family)


def _company_name(rng: random.Random, c: _Company) -> str:
    form = rng.random()
    if form < 0.35:
        return f"株式会社{c.name}"
    if form < 0.6:
        return f"{c.name}株式会社"
    if form < 0.75:
        return f"(株){c.name}"
    if form < 0.85:
        return f"㈱{c.name}"
    if form < 0.93:
        return f"{c.name}（株）"
    return c.name


def _address_ja(rng: random.Random, c: _Company, floor: int) -> str:
    ward = _WARDS[c.ward]
    a, b, d = c.block
    style = rng.random()
    if style < 0.35:
        block = f"{a}-{b}-{d}"
    elif style < 0.6:
        block = f"{a}丁目{b}番{d}号"
    elif style < 0.75:
        block = f"{_KANJI_DIGITS[a]}丁目{b}番地{d}"
    else:
        block = f"{a}－{b}－{d}"
    return f"東京都{ward[0]}{ward[2]}{block} {c.name}ビル{floor}階"


def _address_en(c: _Company, floor: int) -> str:
    ward = _WARDS[c.ward]
    a, b, d = c.block
    return f"{c.name_en} Bldg. {floor}F, {a}-{b}-{d} {ward[3]}, {ward[1]}, Tokyo"


def _card(rng: random.Random, p: _Person, job: _Job, card_id: str) -> ContactRecord:
    c = job.company
    english = rng.random() < 0.18
    mobile = p.mobile if p.mobile and rng.random() < 0.85 else ""
    email = job.email if job.email and rng.random() < 0.95 else ""
    if p.private_email and rng.random() < 0.5:
        email = ";".join(x for x in (email, p.private_email) if x)
    if email and rng.random() < 0.03:
        email = _ocr(rng, email, _OCR_ASCII)
    phone = job.direct if job.direct and rng.random() < 0.6 else c.main_phone
    if english:
        given, family = _romaji_variant(rng, p.given_kana), _romaji_variant(rng, p.family_kana)
        order = rng.random()
        name = (
            f"{given.title()} {family.title()}"
            if order < 0.6
            else f"{family.upper()} {given.title()}"
            if order < 0.85
            else f"{family.title()} {given.title()}"
        )
        return ContactRecord(
            id=card_id,
            name=name,
            company=f"{c.name_en} {rng.choice(['Co., Ltd.', 'Corporation', 'Inc.', 'K.K.', 'Co.,Ltd'])}",
            title=rng.choice(["Manager", "Director", "Sales Representative", "Engineer", ""]),
            emails=(email,) if email else (),
            phone="+81 " + phone[1:] if phone else "",
            mobile="+81 " + mobile[1:] if mobile else "",
            postal_code=f"{c.postal[:3]}-{c.postal[3:]}",
            address=_address_en(c, job.floor),
            url=f"https://www.{c.domain}/en/" if rng.random() < 0.5 else "",
        )
    family = _variant_kanji(rng, p.family) if rng.random() < 0.25 else p.family
    given = p.given
    if rng.random() < 0.06:
        family, given = (
            (_ocr(rng, family, _OCR_KANJI), given)
            if rng.random() < 0.5
            else (family, _ocr(rng, given, _OCR_KANJI))
        )
    sep = rng.choice([" ", "　", "", " "])
    kana = ""
    if rng.random() < 0.5:
        kana = f"{p.family_kana} {p.given_kana}"
        if rng.random() < 0.4:
            kana = "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in kana)
    return ContactRecord(
        id=card_id,
        name=f"{family}{sep}{given}",
        name_kana=kana,
        company=_company_name(rng, c),
        department=job.department,
        title=job.title,
        emails=(_width(rng, email),) if email else (),
        phone=_width(rng, phone + (f" 内線{rng.randint(100, 999)}" if rng.random() < 0.1 else "")),
        mobile=_width(rng, mobile),
        fax=_phone(rng, "03") if rng.random() < 0.05 else "",
        postal_code=f"〒{c.postal[:3]}-{c.postal[3:]}" if rng.random() < 0.8 else "",
        address=_width(rng, _address_ja(rng, c, job.floor)),
        url=f"www.{c.domain}" if rng.random() < 0.3 else "",
    )


def generate_cards(n_cards: int, *, seed: int = 5) -> list[SyntheticCard]:
    """Generate about ``n_cards`` cards, the same ones for the same seed."""
    rng = random.Random(seed)
    n_companies = max(5, n_cards // 25)
    companies = [_make_company(rng, i) for i in range(n_companies)]
    used_emails: set[str] = set()
    cards: list[SyntheticCard] = []
    people: list[_Person] = []
    person_id = 0
    while len(cards) < n_cards:
        if people and rng.random() < 0.03:
            # A homonym: a different person with the same name, elsewhere (rarely at the same company).
            twin = rng.choice(people)
            p = _make_person(rng, companies, used_emails)
            p.family, p.given, p.family_kana, p.given_kana = (
                twin.family,
                twin.given,
                twin.family_kana,
                twin.given_kana,
            )
            company = twin.jobs[0].company if rng.random() < 0.1 else rng.choice(companies)
            p.jobs = [_make_job(rng, p, company, used_emails)]
        else:
            p = _make_person(rng, companies, used_emails)
        people.append(p)
        n = 1 + min(5, int(rng.expovariate(0.9)))
        if n > 1 and rng.random() < 0.15:
            p.jobs.append(_make_job(rng, p, rng.choice(companies), used_emails))
        for k in range(n):
            job = p.jobs[min(len(p.jobs) - 1, k * len(p.jobs) // n)]
            cards.append(SyntheticCard(person_id, _card(rng, p, job, f"c{len(cards) + 1:07d}")))
            if len(cards) >= n_cards:
                break
        person_id += 1
    order = list(range(len(cards)))
    rng.shuffle(order)
    return [cards[i] for i in order]


def true_pairs(cards: list[SyntheticCard]) -> set[frozenset[str]]:
    """Return every pair of card ids that belong to the same person."""
    by_person: dict[int, list[str]] = {}
    for c in cards:
        by_person.setdefault(c.person, []).append(c.record.id)
    return {frozenset(p) for ids in by_person.values() for p in combinations(ids, 2)}


_CSV_FIELDS = [
    "id",
    "name",
    "name_kana",
    "company",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "fax",
    "postal_code",
    "address",
    "url",
]


def _rows(cards: list[SyntheticCard]) -> Iterator[list[str]]:
    for c in cards:
        r = c.record
        yield [
            r.id,
            r.name,
            r.name_kana,
            r.company,
            r.department,
            r.title,
            ";".join(r.emails),
            r.phone,
            r.mobile,
            r.fax,
            r.postal_code,
            r.address,
            r.url,
        ]


def write_csv(cards: list[SyntheticCard], path: str | Path) -> None:
    """Write cards as a CSV file that ``meishi dedupe`` reads."""
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(_CSV_FIELDS)
        writer.writerows(_rows(cards))
