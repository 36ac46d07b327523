"""Pure text functions for Vietnamese unit names: folding for matching, and collation keys.

No ORM here; `units.models` and `units.services` build on these.
"""

import re
import unicodedata
from dataclasses import dataclass

# Combining marks of Vietnamese after NFD: the three letter modifiers and the five tones.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# CLDR "vi" order of tones: none, huyền, hỏi, ngã, sắc, nặng. Also accept the Unicode
# variants of acute/grave some keyboards produce.
_TONES.update({"\u0341": 4, "\u0340": 1})

_NON_WORD = re.compile(r"[^0-9a-zđ\u0300-\u036f]+")
_DIACRITIC_LETTERS = re.compile(r"[\u0300-\u036fđ]")


def _clean(text: str) -> str:
    """Lowercase, NFD, punctuation to single spaces (diacritics kept)."""
    text = unicodedata.normalize("NFD", text.casefold()).replace("\u0111", "đ")
    # "TP.HCM" must split into two words, so punctuation becomes a space.
    return _NON_WORD.sub(" ", text).strip()


def _strip_marks(text: str) -> str:
    return "".join(c for c in text if not unicodedata.combining(c)).replace("đ", "d")


# How the name of a provincial department (sở, ban, ngành) starts, as the portal writes it:
# "Sở Y tế", "Ban Quản lý Khu kinh tế", "Thanh tra tỉnh", "Văn phòng UBND tỉnh", "BQL …".
# With diacritics: "Bản Mù" is a commune, "Ban Dân tộc" a department.
_DEPARTMENT_STARTS = ("sở ", "ban ", "thanh tra tỉnh", "văn phòng ", "bql ")


def without_marks(text: str) -> str:
    """Lowercase, without diacritics, đ→d, everything else kept: "3,5Đ" → "3,5d"."""
    return _strip_marks(unicodedata.normalize("NFD", text.casefold()))


def code_key(code: str) -> str:
    """A unit code as it is compared: case and blanks aside, and GSO codes written with or
    without leading zeros ("00004" and "4") alike."""
    code = code.strip().upper()
    if code.isdigit():
        return code.lstrip("0") or "0"
    return code


def looks_like_department(name: str) -> bool:
    """True when a name reads as a provincial department's (docs/DOMAIN.md §5)."""
    text = unicodedata.normalize("NFC", " ".join(name.casefold().split()))
    return text.startswith(_DEPARTMENT_STARTS)


def fold_name(text: str) -> str:
    """Fold a bare name for comparison: lowercase, no diacritics, đ→d, single spaces.

    Unlike `fold`, no prefix is removed: a stored bare name is the name ("Quan Hóa" stays
    "quan hoa", it is not "Quận Hóa").
    """
    return _strip_marks(_clean(text))


# Administrative prefixes, each with the kinds it announces (a hint, see `parse_unit_name`).
# Written in NFC here and compared in the same folded-but-marked form (_clean).
_PREFIX_KINDS: dict[str, frozenset[str]] = {
    "ủy ban nhân dân": frozenset(),
    "uỷ ban nhân dân": frozenset(),
    "ubnd": frozenset(),
    "thành phố": frozenset({"thanh_pho_tw", "thanh_pho_thuoc_tinh"}),
    "tp": frozenset({"thanh_pho_tw", "thanh_pho_thuoc_tinh"}),
    "tỉnh": frozenset({"tinh"}),
    "thị xã": frozenset({"thi_xa"}),
    "tx": frozenset({"thi_xa"}),
    "huyện": frozenset({"huyen"}),
    "quận": frozenset({"quan"}),
    "phường": frozenset({"phuong"}),
    "xã": frozenset({"xa"}),
    "thị trấn": frozenset({"thi_tran"}),
    "tt": frozenset({"thi_tran"}),
    "đặc khu": frozenset({"dac_khu"}),
}
# The same words typed without diacritics. They are only removed from text that has no
# diacritics at all: "Quan Hóa" (a real district) must not lose "Quan" the way "Quận 1" does.
_ASCII_PREFIX_KINDS: dict[str, frozenset[str]] = {
    "uy ban nhan dan": frozenset(),
    "thanh pho": frozenset({"thanh_pho_tw", "thanh_pho_thuoc_tinh"}),
    "tinh": frozenset({"tinh"}),
    "thi xa": frozenset({"thi_xa"}),
    "huyen": frozenset({"huyen"}),
    "quan": frozenset({"quan"}),
    "phuong": frozenset({"phuong"}),
    "xa": frozenset({"xa"}),
    "thi tran": frozenset({"thi_tran"}),
    "dac khu": frozenset({"dac_khu"}),
}
# One-letter abbreviations count only when written with a dot ("P. Tân Bình", "Q.1"), or for
# p and q glued to a number ("Q1", "P12"): a bare "x" may be part of a name, and "H29" is a
# portal code, not "Huyện 29".
_LETTER_KINDS: dict[str, frozenset[str]] = {
    "p": frozenset({"phuong"}),
    "q": frozenset({"quan"}),
    "x": frozenset({"xa"}),
    "h": frozenset({"huyen"}),
}


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


_PREFIXES = sorted(((_nfd(p), k) for p, k in _PREFIX_KINDS.items()), key=lambda p: -len(p[0]))
_ASCII_PREFIXES = sorted(_ASCII_PREFIX_KINDS.items(), key=lambda p: -len(p[0]))
_LETTER_RE = re.compile(r"^\s*(?:([pqxh])\s*\.|([pq])(?=\d))\s*(\S.*)$")


@dataclass(frozen=True)
class NameVariant:
    """One folded reading of a loose name, with the kinds its removed prefixes announce."""

    folded: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class ParsedName:
    """A loose unit name read with 0, 1, 2… leading prefixes removed.

    `variants` go from the least to the most stripped reading; the last one is `fold(text)`.
    Matching tries them in that order, so a real name that starts like a prefix ("Quan Hóa",
    typed "quan hoa") is found before the stripped reading ("hoa") is tried.
    """

    variants: tuple[NameVariant, ...]

    @property
    def folded(self) -> str:
        return self.variants[-1].folded


def parse_unit_name(text: str) -> ParsedName:
    """Read a loose name ("UBND phường Tân Bình") as folded variants with kind hints."""
    raw = unicodedata.normalize("NFD", text.casefold()).replace("\u0111", "đ")
    current = _clean(raw)
    has_marks = bool(_DIACRITIC_LETTERS.search(current))
    variants = [NameVariant(_strip_marks(current), frozenset())]
    # A one-letter abbreviation needs its dot, which _clean removes: read it on the raw text.
    m = _LETTER_RE.match(raw)
    if m and _clean(m.group(3)):
        current = _clean(m.group(3))
        variants.append(NameVariant(_strip_marks(current), _LETTER_KINDS[m.group(1) or m.group(2)]))
    while (stripped := _strip_prefix(current, has_marks)) is not None:
        current, kinds = stripped
        # The innermost prefix names the unit itself ("UBND phường X" is a phường); an outer
        # one ("UBND") announces nothing and keeps what was known.
        variants.append(NameVariant(_strip_marks(current), kinds or variants[-1].kinds))
    seen: set[str] = set()
    unique = []
    for v in variants:
        if v.folded not in seen:
            seen.add(v.folded)
            unique.append(v)
    return ParsedName(variants=tuple(unique))


def _strip_prefix(text: str, has_marks: bool) -> tuple[str, frozenset[str]] | None:
    """Remove one leading prefix; None when there is none or nothing would be left."""
    tables = [_PREFIXES] + ([] if has_marks else [_ASCII_PREFIXES])
    for table in tables:
        for prefix, kinds in table:
            if text.startswith(prefix + " "):
                rest = text[len(prefix) + 1 :].strip()
                if rest:
                    return rest, kinds
    return None


def fold(text: str) -> str:
    """Fold a loose unit name: case, diacritics, đ→d and administrative prefixes.

    "Thành phố Hồ Chí Minh" → "ho chi minh", "TX Bến Cát" → "ben cat",
    "UBND phường Tân Bình" → "tan binh", "Huế" → "hue".
    """
    return parse_unit_name(text).folded


# --- Collation ---------------------------------------------------------------------------------
# Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y) with the
# Latin letters it lacks (f j w z, found in ethnic-minority names) in their Latin places.
_ALPHABET = list(unicodedata.normalize("NFC", "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"))
_LETTER_RANK = {letter: 20 + i for i, letter in enumerate(_ALPHABET)}
_MODIFIED = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}
_SEPARATOR = "10"  # between words: sorts before every letter and number ("An Bình" < "Anh")
_NUMBER = "11"  # a run of digits, compared by value ("Phường 2" < "Phường 10")
_OTHER = "12"  # any other character
_END = "00"  # end of the primary key: a prefix sorts before its extensions
_DIGITS = frozenset("0123456789")
_WORD_SPLIT = re.compile(r"[^\w\u0300-\u036f]+")


def _letters(word: str) -> tuple[list[str], int]:
    """Return the base letters of an NFD word (with ă â ê ô ơ ư đ) and its tone (0-5)."""
    letters: list[str] = []
    tone = 0
    for ch in word:
        if ch in _TONES:
            tone = _TONES[ch]
        elif unicodedata.combining(ch):
            if letters and (letters[-1], ch) in _MODIFIED:
                letters[-1] = _MODIFIED[(letters[-1], ch)]
        else:
            letters.append(ch)
    return letters, tone


def vietnamese_sort_key(text: str) -> str:
    """Return a key whose plain string order is Vietnamese dictionary order.

    Base letters first (Đ after D, Ư after U), then tones, one per syllable, in CLDR order
    (none, huyền, hỏi, ngã, sắc, nặng), so "Hòa" and "Hoà" sort alike. The key is digits only,
    so PostgreSQL under any collation, and SQLite, order it the same way as Python does.
    """
    nfd = unicodedata.normalize("NFD", text.casefold()).replace("\u0111", "đ")
    words = [w for w in _WORD_SPLIT.split(nfd) if w]
    primary: list[str] = []
    tones: list[str] = []
    for w_index, word in enumerate(words):
        if w_index:
            primary.append(_SEPARATOR)
        letters, tone = _letters(word)
        tones.append(str(tone))
        i = 0
        while i < len(letters):
            ch = letters[i]
            if ch in _DIGITS:
                j = i
                while j < len(letters) and letters[j] in _DIGITS:
                    j += 1
                digits = "".join(letters[i:j]).lstrip("0") or "0"
                # Length first, then the digits: numeric order in a plain string compare.
                primary.append(f"{_NUMBER}{len(digits):02d}{digits}")
                i = j
                continue
            rank = _LETTER_RANK.get(ch)
            primary.append(f"{rank:02d}" if rank is not None else f"{_OTHER}{ord(ch):07d}")
            i += 1
    return "".join(primary) + _END + "".join(tones)
