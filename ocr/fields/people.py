"""Rules for the person and organisation: name, readings, company, department, title."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocr.fields.contact import Match
from ocr.fields.names import jp_given_names, latin_name_evidence, split_jp_name
from ocr.fields.vocab import (
    EN_DEPARTMENT,
    EN_FUNCTION_LINE,
    EN_LEGAL_FORM,
    EN_TITLE,
    JP_DEPARTMENT_SUFFIXES,
    JP_LEGAL_FORMS,
    JP_TITLES,
    SLOGAN_WORDS,
)
from ocr.layout import Line, is_cjk, join_cjk

_KANA_ONLY = re.compile(r"^[\u3040-\u30ffー・\s]+$")
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]")
_LATIN_NAME_WORD = re.compile(r"^[A-ZÀ-Þ][a-zA-Zà-ÿÀ-Þ'\-]+\.?$|^[A-Z]\.$")
# Company words that end a Japanese trade name without a legal form (田中製作所): never a given name.
_JP_COMPANY_WORDS = (
    "製作所",
    "工業",
    "商事",
    "物産",
    "産業",
    "建設",
    "電機",
    "電気",
    "運輸",
    "不動産",
    "設計",
    "食品",
    "商会",
    "工務店",
    "興業",
    "技研",
    "研究所",
    "事務所",
    "銀行",
    "証券",
    "保険",
    "病院",
)
_LEADING_LATIN = re.compile(r"^([A-Za-z][A-Za-z .&/\-]*?)\s*(?=[\u3400-\u9fff\u3040-\u30ff々])")
_TRAILING_LATIN = re.compile(
    r"(?<=[\u3400-\u9fff\u3040-\u30ff々\s])\s*([A-Z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*){1,2})\s*$"
)
_HONORIFICS = re.compile(r"^(Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+")
# A separator bar (or the edge of a photo frame) read as one glyph before a kanji name: "1佐々木真綾",
# "General Manager 1伊藤七夏"; dropped only when what follows then splits into a known surname and a name.
_STRAY_GLYPH_BEFORE_KANJI = re.compile(r"(?:^|(?<=[A-Za-z\s]))[1lI|｜/]\s*(?=[\u3400-\u9fff々])")
# A kanji name run into an English title and whatever follows it: "高橋 裕樹Director人事総務部".
_NAME_THEN_LATIN = re.compile(
    r"^([\u3400-\u9fff々\s]{2,10}?)\s*([A-Za-z][A-Za-z .&/\-]*[A-Za-z.])\s*(?=[\u3400-\u9fff\u3040-\u30ff]|$)"
)
_TRAILING_JUNK = re.compile(r"[\s\W_]+$")
_LEADING_JUNK = re.compile(r"^[\s\W_]+")


@dataclass(frozen=True)
class OrgParts:
    """Department and title found on lines, as matches."""

    department: Match | None
    title: Match | None


def _clean(text: str) -> str:
    """Strip marks around a value, keeping the period of an abbreviation such as "Ltd." or "Inc."."""
    stripped = _LEADING_JUNK.sub("", _TRAILING_JUNK.sub("", text))
    if re.search(r"\b(Inc|Ltd|Co|Corp|Jr|Sr|St|Dept|Div|Pte)\.\W*$", text) and not stripped.endswith("."):
        stripped += "."
    return stripped


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _single_letters(text: str) -> str:
    """The letters of ``text`` with every run of one letter written once (applewood -> aplewod)."""
    return re.sub(r"(.)\1+", r"\1", _letters(text))


def is_title_token(token: str) -> bool:
    """Tell whether a space-free token is a Japanese (or embedded English) title."""
    if not token:
        return False
    if any(token.endswith(t) for t in JP_TITLES) and len(token) <= 12:
        return True
    return bool(EN_TITLE.fullmatch(token))


def is_department_token(token: str) -> bool:
    """Tell whether a token ends like a Japanese department name."""
    return (
        len(token) >= 2
        and any(token.endswith(s) for s in JP_DEPARTMENT_SUFFIXES)
        and not is_title_token(token)
    )


def _company_from_line(text: str) -> str | None:
    """Cut the company out of a line holding a legal form, or None.

    A wide gap (a space) separates the name from a logo mark read as one stray character,
    so a neighbouring token joins the company only when it has two or more CJK characters.
    """
    tokens = [t for t in text.split(" ") if t]
    joined = join_cjk(text)
    for form in JP_LEGAL_FORMS:
        if form not in joined:
            continue
        if not any(form in t for t in tokens):  # the form itself was split by a space
            tokens = joined.split(" ")
        idx = next(i for i, t in enumerate(tokens) if form in t)
        start, end = idx, idx + 1
        while end < len(tokens) and len(tokens[end]) >= 2 and all(is_cjk(c) for c in tokens[end]):
            end += 1
        while start > 0 and len(tokens[start - 1]) >= 2 and all(is_cjk(c) for c in tokens[start - 1]):
            start -= 1
        candidate = "".join(tokens[start:end])
        if form.isalnum():
            # Keep the run of word characters around the legal form, drop marks and the like.
            m = re.search(r"[^\s\W]*" + re.escape(form) + r"[^\s\W]*", candidate)
            candidate = _clean(m.group(0)) if m else candidate
        if len(candidate) > len(form):
            return candidate  # "(株)" keeps its brackets
    return None


def _company_split_over_lines(lines: list[Line], taken: set[int]) -> Match | None:
    """A legal form printed alone, small, on the line over or under the trade name in large type
    (合同会社 / 藤原電機 -> 合同会社藤原電機, 田中製作所 / 株式会社 -> 田中製作所株式会社)."""
    for form_line in lines:
        form = form_line.compact
        if id(form_line) in taken or form not in JP_LEGAL_FORMS:
            continue
        fx, fy, fw, fh = form_line.box
        for other in lines:
            if other is form_line or id(other) in taken:
                continue
            ox, oy, ow, oh = other.box
            name = join_cjk(other.text).replace(" ", "")
            beside = min(fx + fw, ox + ow) - max(fx, ox) > 0 and abs(fx - ox) <= max(fh, oh)
            gap = oy - (fy + fh) if oy >= fy else fy - (oy + oh)
            if not (
                beside
                and -0.3 * fh <= gap <= 1.2 * max(fh, oh)
                and other.height >= 1.2 * form_line.height
                and 2 <= len(name) <= 20
                and all(is_cjk(c) for c in name)
                and not is_department_token(name)
                and _title_suffix(name) is None
            ):
                continue
            value = form + name if fy < oy else name + form
            return Match(value=value, line=other, certainty=0.85)
    return None


def find_company(lines: list[Line], *, lang: str, domain: str | None, taken: set[int]) -> Match | None:
    """Find the company by its legal form, else (English) by similarity to the e-mail/web domain."""
    split = _company_split_over_lines(lines, taken)
    if split is not None:
        return split
    for line in lines:
        if id(line) in taken:
            continue
        value = _company_from_line(line.text)
        if value is not None:
            # No word starts with a small kana or a long mark: a logo read as one (ゃ合同会社...).
            value = value.lstrip("ゃゅょっぁぃぅぇぉャュョッァィゥェォー")
            if len(value) > 1 and value[0].isascii() and value[1:].startswith(JP_LEGAL_FORMS):
                value = value[1:]  # a logo read as one Latin character or digit (1合同会社...)
            return Match(value=value, line=line, certainty=0.92)
    fuzzy = _find_company_fuzzy(lines, taken)
    if fuzzy is not None or lang == "ja":
        return fuzzy
    candidates: list[tuple[float, int, Line, str]] = []
    for line in lines:
        if id(line) in taken or "@" in line.text or re.search(r"\d{3}", line.text):
            continue
        text = _LOGO_GLYPH.sub("", line.text).strip()
        if domain and _LOGO_LETTER.match(text):
            # A logo mark read as one capital letter ("C Copperleaf Design"): dropped when the rest, not the
            # letter, is what the domain names.
            rest = _LOGO_LETTER.sub("", text)
            if _letters(rest).startswith(_letters(domain)) and not _letters(text).startswith(
                _letters(domain)
            ):
                text = rest
        score = 0.0
        legal = bool(EN_LEGAL_FORM.search(text) and re.search(r"[A-Za-z]{2}", text))
        if legal:
            score = 0.85
        if domain:
            # Greedy CTC reads a doubled letter once now and then (Aplewood, fuji-bussan), in the name or in the
            # domain: both are compared with every run of one letter read once.
            letters = _single_letters(text)
            label = _single_letters(domain)
            if (
                len(label) >= 3
                and len(letters) >= 3
                and (letters.startswith(label) or label.startswith(letters))
            ):
                # The domain confirms the name; a logo line and the name printed in full both match,
                # and the full one (more words, or the legal form) is the company.
                score = max(score, 0.9) + (0.05 if legal else 0.0)
        if score and not _is_latin_title(text) and not SLOGAN_WORDS.search(text) and len(text.split()) <= 7:
            # (words of a hyphenated name count apart: "Brown-Nguyen" is the name in full beside the logo BROWN)
            candidates.append((score, len(re.split(r"[\s\-]+", text)), line, text))
    if not candidates:
        return None
    score, _, line, text = max(candidates, key=lambda c: (c[0], c[1], c[2].height))
    return Match(value=_clean(text), line=line, certainty=min(0.95, score))


# A logo mark read as one or two stray characters before the name ("fi EVERGREEN", "@ COBALT").
_LOGO_LETTER = re.compile(r"^[A-Z]\s+(?=[A-Z][a-z])")
_LOGO_GLYPH = re.compile(r"^(?:[^\w\s]{1,2}|[a-z]{1,2}|\d)\s+(?=[A-Z])")


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _find_company_fuzzy(lines: list[Line], taken: set[int]) -> Match | None:
    """Find a legal form misread in one character (株式会福 for 株式会社) and spell it right."""
    forms = [f for f in JP_LEGAL_FORMS if len(f) == 4 and f.isalnum()]
    for line in lines:
        if id(line) in taken:
            continue
        text = join_cjk(line.text)
        for start in range(len(text) - 3):
            window = text[start : start + 4]
            form = next((f for f in forms if _one_off(window, f)), None)
            if form is None or not all(is_cjk(c) for c in window):
                continue
            fixed = text[:start] + form + text[start + 4 :]
            m = re.search(r"[^\s\W]*" + form + r"[^\s\W]*", fixed)
            value = _clean(m.group(0)) if m else fixed
            if len(value) >= 6:
                return Match(value=value, line=line, certainty=0.6)
    return None


def _title_suffix(text: str) -> str | None:
    """Return the title vocabulary entry that ends ``text``, allowing one misread kanji in long titles."""
    exact = next((t for t in _JP_TITLES_LONGEST if text.endswith(t)), None)
    if exact is not None:
        return exact
    for title in _JP_TITLES_LONGEST:
        if len(title) >= 4 and len(text) >= len(title) and _one_off(text[-len(title) :], title):
            return title
    return None


def split_title(text: str) -> tuple[str, str]:
    """Split "開発部 第二グループ 係長" into ("開発部 第二グループ", "係長"); either part may be empty."""
    rest = text.strip()
    titles: list[str] = []
    while rest:
        found = _title_suffix(rest)
        if found is None:
            m = _EN_TITLE_AT_END.search(rest)
            found = m.group(1) if m else None
        if found is None:
            break
        rest = rest[: -len(found)].rstrip()
        modifier = _TITLE_MODIFIER_AT_END.search(rest)  # General Manager, チーフデザイナー
        if modifier is not None:
            word = modifier.group(1) or modifier.group(2)
            found = f"{word}{' ' if found.isascii() else ''}{found}"
            rest = rest[: modifier.start(1 if modifier.group(1) else 2)].rstrip()
        titles.insert(0, found)  # the vocabulary spelling: a misread kanji is corrected
    title = ""
    for part in titles:
        title = (
            f"{title} {part}" if title and (not is_cjk(title[-1]) or not is_cjk(part[0])) else title + part
        )
    return rest, title


_JP_TITLES_LONGEST = sorted(JP_TITLES, key=len, reverse=True)
_LEADING_JP_MODIFIER = re.compile(
    r"(チーフ|シニア|ジュニア|アシスタント|ゼネラル|リード|プリンシパル|エグゼクティブ|ヘッド)"
)
# Words that rank a title without being one (Senior Engineer, General Manager, チーフデザイナー).
_TITLE_MODIFIER_AT_END = re.compile(
    r"(?:^|\s|(?<=[^\x00-\x7f]))((?:Senior|General|Chief|Assistant|Deputy|Executive|Regional|Associate|Vice|"
    r"Principal|Managing|Lead|Junior|Sr\.|Jr\.)(?: (?:Senior|General|Chief|Assistant|Deputy|Executive|Regional|"
    r"Associate|Vice|Principal|Managing))?)$"
    r"|(チーフ|シニア|ジュニア|アシスタント|ゼネラル|リード|プリンシパル|エグゼクティブ|ヘッド)$",
    re.IGNORECASE,
)
# An English title at the end of a line, after a space or directly after Japanese ("取締役CTO").
_EN_TITLE_AT_END = re.compile(
    r"(?:^|\s|(?<=[^\x00-\x7f]))(" + EN_TITLE.pattern.removeprefix(r"\b") + r")$", re.IGNORECASE
)


def find_org_parts(lines: list[Line], *, lang: str, taken: set[int]) -> OrgParts:
    """Find the department and title, splitting lines such as "開発部 第二グループ 係長"."""
    department: Match | None = None
    title: Match | None = None
    for line in lines:
        if id(line) in taken or "@" in line.text or re.search(r"\d{3}", line.text):
            continue
        if lang == "ja":
            text = join_cjk(line.text)
            if any(form in text for form in JP_LEGAL_FORMS):
                continue
            head = name_run_into_title(text)
            if head:
                # 高橋 裕樹Director人事総務部: the title and department follow the name on its line.
                tail = text[head.end() :].strip()
                if title is None:
                    title = Match(value=head.group(2).strip(), line=line, certainty=0.8)
                if tail and department is None and is_department_token(tail.replace(" ", "")):
                    department = Match(value=tail, line=line, certainty=0.8)
                continue
            bilingual = _BILINGUAL_DEPARTMENT.match(text)
            if (
                bilingual
                and is_department_token(bilingual.group(1))
                and _is_english_rendering(bilingual.group(2))
            ):
                # 海外営業部 Overseas Sales Dept.: the department printed with its English name, one value.
                if department is None:
                    value = f"{bilingual.group(1)} {_clean(bilingual.group(2))}"
                    department = Match(value=value, line=line, certainty=0.85)
                continue
            if _is_latin_department(text):  # an English department on a Japanese card
                if department is None:
                    department = Match(value=_clean(text), line=line, certainty=0.8)
                continue
            if _is_latin_title(text):  # an English title on a Japanese card (General Manager)
                if title is None:
                    title = Match(
                        value=_title_with_continuation(lines, line, taken), line=line, certainty=0.8
                    )
                continue
            rest, found_title = split_title(text)
            found_dept = ""
            if rest:
                if is_department_token(rest.replace(" ", "")) and (
                    _KANJI.search(rest) or found_title or _ACRONYM_KATAKANA.fullmatch(rest.replace(" ", ""))
                ):
                    found_dept = rest  # (R&Dセンター before a title, or alone, is a department too)
                elif found_title and len(rest) <= 4 and all(is_cjk(c) for c in rest):
                    found_title, rest = rest + found_title, ""
                elif found_title and _KATAKANA_WORD.fullmatch(rest) and _KATAKANA_WORD.fullmatch(found_title):
                    found_title, rest = rest + found_title, ""  # プロジェクト + マネージャー
                elif found_title and len(found_title) >= 3 and all(is_cjk(c) for c in rest.replace(" ", "")):
                    # A long title ends the line; what stands before it is the department, misread
                    # (技術開発センタ部長代理): the title is sure, the department less so.
                    if department is None:
                        department = Match(value=rest, line=line, certainty=0.6)
                    rest = ""
                else:
                    continue
            if found_dept and department is None:
                department = Match(value=found_dept, line=line, certainty=0.85)
            if found_title and title is None:
                title = Match(value=found_title, line=line, certainty=0.88)
        else:
            text = line.text
            if len(text.split()) > 8:
                continue
            if (
                EN_DEPARTMENT.search(text) or EN_FUNCTION_LINE.fullmatch(text.strip(" ,."))
            ) and department is None:
                department = Match(value=_clean(text), line=line, certainty=0.8)
            elif _is_latin_title(text) and title is None:
                title = Match(value=_title_with_continuation(lines, line, taken), line=line, certainty=0.8)
    return OrgParts(department=department, title=title)


_KATAKANA_WORD = re.compile(r"[\u30a0-\u30ffー]{2,}")
# A department named by a Latin acronym and katakana (R&Dセンター, ITソリューション部).
_ACRONYM_KATAKANA = re.compile(r"[A-Z][A-Z&]{1,5}[\u30a1-\u30faー]{2,}[\u30a0-\u30ffー部課室]*")
# A Japanese department followed by its English name on one line (経営企画室 Corporate Strategy).
_BILINGUAL_DEPARTMENT = re.compile(
    r"^([\u3400-\u9fff\u3040-\u30ff々ー&A-Z]{2,}?)\s*([A-Z][A-Za-z&,.'/\- ]+)$"
)


def _is_english_rendering(text: str) -> bool:
    """Capitalised Latin words that name a department, not a title, a company or a person."""
    words = text.split()
    return (
        1 <= len(words) <= 6
        and all(w[:1].isupper() or w in ("&", "and", "of") for w in words)
        and not EN_TITLE.search(text)
        and not EN_LEGAL_FORM.search(text)
        and latin_name_evidence(words) <= 0.5
    )


def _is_latin_department(text: str) -> bool:
    """A line of Latin words naming a department (... Division, ... Team, Human Resources)."""
    return bool(
        re.fullmatch(r"[A-Za-z&,.'/\- ]+", text)
        and len(text.split()) <= 6
        and (EN_DEPARTMENT.search(text) or EN_FUNCTION_LINE.fullmatch(text.strip(" ,.")))
        and not EN_LEGAL_FORM.search(text)
    )


def _is_latin_title(text: str) -> bool:
    """A line of at most eight Latin words holding a title word, not a company or a slogan."""
    return bool(
        re.fullmatch(r"[A-Za-zÀ-ÿ&,.'()/\- ]+", text)
        and text[:1].isupper()  # (a line starting in lower case is a fragment: a slogan cut by a logo)
        and len(text.split()) <= 8
        and EN_TITLE.search(text)
        and not EN_LEGAL_FORM.search(text)
        and not SLOGAN_WORDS.search(text)
    )


def _title_with_continuation(lines: list[Line], line: Line, taken: set[int]) -> str:
    """Join a title printed over two lines ("Lead Engineer," / "Platform Infrastructure")."""
    value = _clean(line.text)
    x, y, w, h = line.box
    # The next line down: the detector's boxes of neighbouring lines may overlap by up to half a line, so the
    # nearest line below is taken, not the first in reading order; and only in the title's own column (a line of
    # the column beside it may start higher).
    below = sorted(
        (
            other
            for other in lines
            if other is not line
            and id(other) not in taken
            and -0.55 * line.height <= other.box[1] - (y + h) <= 1.0 * line.height
            and other.box[1] > y
            and min(x + w, other.box[0] + other.box[2]) > max(x, other.box[0])
        ),
        key=lambda other: other.box[1],
    )
    if not below:
        return value
    other = below[0]
    ox, _, ow, _ = other.box
    text = other.text.strip()
    same_size = abs(other.height - line.height) <= 0.35 * max(line.height, 1.0)
    aligned = abs(ox - x) <= line.height or abs((ox + ow / 2) - (x + w / 2)) <= line.height
    if not (same_size and aligned) or not re.fullmatch(r"[A-Za-zÀ-ÿ&,.'/\- ]+", text):
        return value
    joined = text.startswith("&") or line.text.rstrip().endswith(("&", ","))
    if joined and len(text.split()) <= 5 and not EN_LEGAL_FORM.search(text):
        return f"{line.text.strip()} {_TRAILING_JUNK.sub('', text)}"  # "Chief Technology Officer" / "& Co-Founder"
    if (
        len(text.split()) > 5
        or EN_TITLE.search(text)
        or EN_LEGAL_FORM.search(text)
        or EN_DEPARTMENT.search(text)
        or EN_FUNCTION_LINE.fullmatch(text.strip(" ,."))
        or SLOGAN_WORDS.search(text)
        or latin_name_evidence(text.split()) > 0.5  # (a name: most of its words are names, not one of two)
    ):
        return value
    return f"{line.text.strip()} {_clean(text)}"


def split_leading_title(text: str) -> tuple[str, str]:
    """Split "代表取締役 山田 太郎" into ("代表取締役", "山田 太郎"); ("", text) when no title leads."""
    tokens = [t for t in text.split(" ") if t]
    titles: list[str] = []
    while len(tokens) > 1 and is_title_token(tokens[0]):
        titles.append(tokens.pop(0))
    if titles:
        return " ".join(titles), " ".join(tokens)
    compact = text.replace(" ", "")
    ranked = _LEADING_JP_MODIFIER.match(compact)  # チーフデザイナー佐々木直人
    modifier = ranked.group(1) if ranked else ""
    compact = compact[len(modifier) :]
    # No space after the title: accept it only when a known surname follows.
    for title in _JP_TITLES_LONGEST:
        rest = compact[len(title) :]
        if compact.startswith(title) and 2 <= len(rest) <= 6 and split_jp_name(rest) is not None:
            return modifier + title, rest
    return "", text


def name_run_into_title(text: str) -> re.Match[str] | None:
    """Match a known Japanese name that an English title (and maybe a department) follows on one line."""
    head = _NAME_THEN_LATIN.match(text)
    if head and EN_TITLE.search(head.group(2)) and split_jp_name(head.group(1).replace(" ", "")) is not None:
        return head
    return None


def split_name_line(text: str) -> tuple[str, str, str]:
    """Split a Japanese name line into (title, name, romaji): "Director鈴木充", "吉田直子Naoko YOSHIDA".

    Titles printed before the name (Japanese or English, with or without a space) and a romaji name
    printed after it on the same line are cut off; the name is what is left.
    """
    title, name, romaji = _split_name_line(text)
    stray = _STRAY_GLYPH_BEFORE_KANJI.search(text)
    if stray and split_jp_name(name.replace(" ", "")) is None:
        cleaned = _split_name_line(text[: stray.start()] + text[stray.end() :])
        if split_jp_name(cleaned[1].replace(" ", "")) is not None:
            return cleaned
    return title, name, romaji


def _split_name_line(text: str) -> tuple[str, str, str]:
    romaji = ""
    m = _TRAILING_LATIN.search(text)
    if m and _KANJI.search(text[: m.start()]):
        candidate = m.group(1)
        if not (
            EN_TITLE.search(candidate) or EN_LEGAL_FORM.search(candidate) or EN_DEPARTMENT.search(candidate)
        ):
            romaji, text = candidate, text[: m.start()]
    titles: list[str] = []
    head = name_run_into_title(text)
    if head:
        titles.append(head.group(2).strip())
        text = head.group(1)
    while True:
        lead = _LEADING_LATIN.match(text)
        if lead and EN_TITLE.search(lead.group(1)):
            titles.append(lead.group(1).strip())
            text = text[lead.end() :]
            continue
        title, rest = split_leading_title(text)
        if not title:
            # A Japanese title run into an English one (取締役CTO山口充).
            title = next((t for t in _JP_TITLES_LONGEST if text.startswith(t)), "")
            rest = text[len(title) :]
            lead = _LEADING_LATIN.match(rest)
            if not title or not (lead and EN_TITLE.search(lead.group(1))):
                break
        titles.append(title)
        text = rest
    return " ".join(titles), text.strip(), romaji


def jp_name_text(line: Line) -> str:
    """The part of a line that may be the name (without a title printed before it or romaji after it)."""
    return split_name_line(line.text)[1]


def jp_name_score(line: Line) -> float:
    """Return how much a line looks like a Japanese name (0 when it cannot be one)."""
    text = jp_name_text(line)
    compact = text.replace(" ", "")
    if not 2 <= len(compact) <= 8:
        return 0.0
    if not all(is_cjk(c) for c in compact):
        return 0.0
    if not _KANJI.match(compact):
        return 0.0
    if (
        any(form in compact for form in JP_LEGAL_FORMS)
        or is_title_token(compact)
        or is_department_token(compact)
        or any(word in compact for word in _JP_COMPANY_WORDS)
    ):
        return 0.0
    _, title = split_title(compact)
    if title:
        return 0.0
    score = 0.5
    parts = split_jp_name(compact)
    if parts is not None:
        score += 0.3
        if parts[1] in jp_given_names():
            score += 0.1
    if len(text.split(" ")) == 2:
        score += 0.1
    return score


def display_jp_name(text: str) -> str:
    """Write a Japanese name as "family given", using the surname list when the gap is lost."""
    compact = text.replace(" ", "")
    if " " in text.strip() and len(text.split()) == 2:
        return text.strip()
    parts = split_jp_name(compact)
    return f"{parts[0]} {parts[1]}" if parts else compact


_EN_LABEL_TAIL = re.compile(
    r"\s+(?:(?:E-?mail|Email|Mail|Tel|Phone|Mob|Mobile|Cell|Fax|Web|Office|Direct|[TMEFW])\b[.:]?\s.*"
    # a phone number after the name, its label or icon read as one or two letters (or a mark) glued to it
    r"|(?:[A-Z]{0,2}|[^\w\s,.])[.:]?\s?\+?\(?\d[\d\s().\-]{6,})$"
)
# Lower-case words that belong to a name (de Gaulle, van Dijk, bin Salman); any other lower-case
# fragment after a capitalised word is that word broken by an OCR space ("Jeff rey").
NAME_PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "do",
        "dos",
        "das",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "ter",
        "ten",
        "le",
        "la",
        "du",
        "bin",
        "binti",
        "bint",
        "al",
        "el",
        "y",
        "e",
    ]
)
_NEVER_JOINED = NAME_PARTICLES | {"of", "and", "the", "for", "in", "at", "to", "on", "with"}
_BROKEN_NAME_WORD = re.compile(r"\b([A-ZÀ-Þ][a-zà-ÿ]+) ([a-zà-ÿ]{2,})\b")


def _mend_broken_words(text: str) -> str:
    return _BROKEN_NAME_WORD.sub(
        lambda m: m.group(0) if m.group(2) in _NEVER_JOINED else m.group(1) + m.group(2), text
    )


def en_name_text(line: Line) -> str:
    """The part of a line that may be the name: without an honorific, or a contact printed after it."""
    return _mend_broken_words(_EN_LABEL_TAIL.sub("", _HONORIFICS.sub("", line.text)).strip(" ,"))


def _en_name_score(line: Line, local_part: str | None) -> float:
    text = en_name_text(line)
    words = text.split()
    if not 2 <= len(words) <= 4 or re.search(r"\d|@", text):
        return 0.0
    if not all(
        _LATIN_NAME_WORD.match(w)
        or (w.isalpha() and w.isupper() and len(w) >= 2)
        or (w in NAME_PARTICLES and 0 < i < len(words) - 1)
        for i, w in enumerate(words)
    ):
        return 0.0
    if any(
        pattern.search(t) for pattern in (EN_TITLE, EN_LEGAL_FORM, EN_DEPARTMENT) for t in (text, line.text)
    ):
        return 0.0
    known = latin_name_evidence([w.strip(".") for w in words if w not in NAME_PARTICLES])
    score = 0.35 + 0.3 * known
    if local_part:
        local = _letters(local_part)
        hits = sum(1 for w in words if len(_letters(w)) >= 2 and _letters(w) in local)
        if hits >= 2 or (hits == 1 and len(words) == 2 and len(local) <= 12):
            score += 0.35
        elif hits == 1:
            score += 0.15
    return score


def find_name(lines: list[Line], *, lang: str, email_local: str | None, taken: set[int]) -> Match | None:
    """Pick the most prominent person-like line (largest type, then name evidence)."""
    if not lines:
        return None
    tallest = max(line.height for line in lines) or 1.0
    best: tuple[float, Line] | None = None
    for line in lines:
        # A line already used for the e-mail may start with the name ("Joshua Gonzalez Email j.g@...").
        shared = lang != "ja" and en_name_text(line) != line.text.strip()
        if id(line) in taken and not shared:
            continue
        evidence = jp_name_score(line) if lang == "ja" else _en_name_score(line, email_local)
        if evidence <= 0:
            continue
        prominence = line.height / tallest
        rank = evidence + 0.6 * prominence
        if best is None or rank > best[0]:
            best = (rank, line)
    if best is None:
        return None
    rank, line = best
    value = en_name_text(line) if lang != "ja" else display_jp_name(jp_name_text(line))
    prominence = line.height / tallest
    certainty = min(0.97, 0.45 + 0.5 * (rank - 0.6 * prominence) + 0.2 * prominence)
    return Match(value=value, line=line, certainty=certainty)


_GLUED_ROMAJI = re.compile(r"\b([A-Z]{2,})([A-Z][a-z]+)\b")
_KATAKANA_READING = re.compile(r"^[\u30a1-\u30fa・ー\s]+$")
_HIRAGANA_READING = re.compile(r"^[\u3041-\u3096・ー\s]+$")


def _plausible_reading(line: Line) -> bool:
    """A reading is 3-16 kana of one script, not starting with ー or a small kana, not repetitive."""
    compact = line.compact
    if not 3 <= len(compact) <= 16 or compact[0] in "ーァィゥェォャュョッぁぃぅぇぉゃゅょっ":
        return False
    if not (_KATAKANA_READING.match(line.text) or _HIRAGANA_READING.match(line.text)):
        return False
    return len(set(compact) - {"ー", "・"}) >= 3 and line.confidence >= 0.6


def reading_pieces(best: Line, readings: list[Line], name: Line) -> list[Line]:
    """Return the pieces of a name's reading printed apart, over (or, in a column, beside) the surname and the given
    name, in reading order: ``best`` and the other readings of its script in its row (its column, when the name
    stands in one) that lie along the name and apart from each other."""
    vertical = name.box[3] > name.box[2]
    axis = 1 if vertical else 0  # along the name: x for a row, y for a column

    def span(line: Line, along: int) -> tuple[int, int]:
        return line.box[along], line.box[along] + line.box[along + 2]

    def along_name(line: Line) -> bool:
        start, end = span(line, axis)
        name_start, name_end = span(name, axis)
        return start < name_end and end > name_start

    if not along_name(best):
        return [best]
    hiragana = bool(_HIRAGANA_READING.match(best.text))
    pieces = [best]
    for line in readings:
        across, best_across = span(line, 1 - axis), span(best, 1 - axis)
        size = min(across[1] - across[0], best_across[1] - best_across[0])
        in_row = abs((across[0] + across[1]) - (best_across[0] + best_across[1])) / 2 < 0.5 * size
        apart = all(
            span(line, axis)[0] >= span(p, axis)[1] or span(line, axis)[1] <= span(p, axis)[0] for p in pieces
        )
        if (
            line is not best
            and in_row
            and apart
            and along_name(line)
            and bool(_HIRAGANA_READING.match(line.text)) == hiragana
        ):
            pieces.append(line)
    return sorted(pieces, key=lambda p: span(p, axis)[0])


def find_readings(
    lines: list[Line],
    *,
    name: Match | None,
    email_local: str | None,
    taken: set[int],
    company: str | None = None,
) -> tuple[Match | None, Match | None]:
    """Find the name's reading in kana (フリガナ) and in romaji, printed next to the name line.

    Evidence: a kana-only or a two/three-word Latin line close to the name, not a title or
    department, and for romaji the words found in the e-mail's local part. (A kanji
    dictionary such as pykakasi would add evidence but costs ~110 MB per worker.)
    """
    if name is None:
        return None, None
    name_y = name.line.box[1]
    kana_best: tuple[float, Line] | None = None
    kana_lines: list[Line] = []
    romaji_best: tuple[float, Line, str] | None = None
    local = _letters(email_local or "")
    for line in lines:
        if id(line) in taken or line is name.line:
            continue
        distance = abs(line.box[1] - name_y) / max(1.0, name.line.height)
        if distance > 4:
            continue
        compact = line.compact
        if _plausible_reading(line) and not is_title_token(compact):
            if company and compact in company.replace(" ", ""):
                continue  # the trade name printed again in kana (a logo), not the person's reading
            if any(is_title_token(t) or is_department_token(t) for t in line.text.split(" ")):
                continue
            score = 0.8 - 0.05 * distance + (0.05 if " " in line.text.strip() else 0.0)
            kana_lines.append(line)
            if kana_best is None or score > kana_best[0]:
                kana_best = (score, line)
            continue
        text = _GLUED_ROMAJI.sub(
            r"\1 \2", line.text
        )  # GOTONanami: the space OCR lost after a capitalised surname
        words = text.split()
        if 2 <= len(words) <= 3 and all(
            _LATIN_NAME_WORD.match(w) or (w.isalpha() and w.isupper()) for w in words
        ):
            if (
                EN_TITLE.search(line.text)
                or EN_LEGAL_FORM.search(line.text)
                or EN_DEPARTMENT.search(line.text)
            ):
                continue
            in_email = sum(1 for w in words if len(_letters(w)) >= 2 and _letters(w) in local)
            score = 0.7 - 0.05 * distance + 0.12 * min(2, in_email)
            if romaji_best is None or score > romaji_best[0]:
                romaji_best = (score, line, text)
    kana = None
    if kana_best:
        pieces = reading_pieces(kana_best[1], kana_lines, name.line)
        kana = Match(
            value=" ".join(p.text for p in pieces), line=kana_best[1], certainty=min(0.95, kana_best[0])
        )
    romaji = (
        Match(value=romaji_best[2], line=romaji_best[1], certainty=min(0.95, romaji_best[0]))
        if romaji_best
        else None
    )
    return kana, romaji
