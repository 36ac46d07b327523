"""Folding and Vietnamese collation: pure functions, no database."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from units.text import fold, fold_name, parse_unit_name, vietnamese_sort_key

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONED = "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
vietnamese_text = st.text(
    alphabet=ALPHABET + ALPHABET.upper() + TONED + " .-0123456789", max_size=30
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Thành phố Hồ Chí Minh", "ho chi minh"),
        ("TP Hồ Chí Minh", "ho chi minh"),
        ("TP. Hồ Chí Minh", "ho chi minh"),
        ("ho chi minh", "ho chi minh"),
        ("TX Bến Cát", "ben cat"),
        ("Thị xã Bến Cát", "ben cat"),
        ("UBND phường Tân Bình", "tan binh"),
        ("Ủy ban nhân dân xã Tân Bình", "tan binh"),
        ("Huế", "hue"),
        ("Tỉnh Bình Dương", "binh duong"),
        ("Huyện Dầu Tiếng", "dau tieng"),
        ("Quận 1", "1"),
        ("Q.1", "1"),
        ("P12", "12"),
        ("P. Tân Bình", "tan binh"),
        ("Thị trấn Tân Bình", "tan binh"),
        ("Đặc khu Côn Đảo", "con dao"),
        ("  PHƯỜNG   ĐÔNG HÒA ", "dong hoa"),
        ("Bà Rịa-Vũng Tàu", "ba ria vung tau"),
        # Words that only look like prefixes stay: "Quan", "Xà", "Tịnh" are not "Quận", "Xã", "Tỉnh".
        ("Huyện Quan Hóa", "quan hoa"),
        ("Xà Phiên", "xa phien"),
        ("Tịnh Biên", "tinh bien"),
        ("Phường Quán Thánh", "quan thanh"),
        # Never strip a name to nothing.
        ("Thị xã", "thi xa"),
        ("H29", "h29"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_name_keeps_prefix_like_words():
    assert fold_name("Quan Hóa") == "quan hoa"
    assert fold_name("Đông Hòa") == fold_name("Đông Hoà") == "dong hoa"


def test_ascii_prefix_readings_go_from_least_to_most_stripped():
    parsed = parse_unit_name("huyen quan hoa")
    assert [v.folded for v in parsed.variants] == ["huyen quan hoa", "quan hoa", "hoa"]
    assert parsed.variants[1].kinds == {"huyen"}


def test_innermost_prefix_gives_the_kind():
    parsed = parse_unit_name("UBND phường Tân Bình")
    assert parsed.variants[-1].kinds == {"phuong"}
    assert parse_unit_name("TP Dĩ An").variants[-1].kinds == {
        "thanh_pho_tw",
        "thanh_pho_thuoc_tinh",
    }
    assert parse_unit_name("Dĩ An").variants[-1].kinds == frozenset()


def test_sort_key_vietnamese_alphabet():
    names = [
        "Đông Hòa",
        "Dĩ An",
        "Di Linh",
        "Ân Thi",
        "Anh Sơn",
        "An Bình",
        "Ăn",
        "Ưng Hòa",
        "Uông Bí",
        "Bình An",
    ]
    assert sorted(names, key=vietnamese_sort_key) == [
        "An Bình",
        "Anh Sơn",
        "Ăn",
        "Ân Thi",
        "Bình An",
        "Dĩ An",
        "Di Linh",
        "Đông Hòa",
        "Uông Bí",
        "Ưng Hòa",
    ]


def test_sort_key_tones_after_letters_in_cldr_order():
    assert sorted(["Hạ", "Há", "Hã", "Hả", "Hà", "Ha"], key=vietnamese_sort_key) == [
        "Ha",
        "Hà",
        "Hả",
        "Hã",
        "Há",
        "Hạ",
    ]
    # Base letters decide before tones do.
    assert vietnamese_sort_key("Hà Giang") < vietnamese_sort_key("Ha Long")


def test_sort_key_numbers_by_value_and_words_before_longer_words():
    assert sorted(["Phường 10", "Phường 2", "Phường 1"], key=vietnamese_sort_key) == [
        "Phường 1",
        "Phường 2",
        "Phường 10",
    ]
    assert vietnamese_sort_key("An") < vietnamese_sort_key("An Bình") < vietnamese_sort_key("Anh")


def test_sort_key_ignores_case_and_tone_placement():
    assert (
        vietnamese_sort_key("ĐÔNG HÒA")
        == vietnamese_sort_key("đông hòa")
        == vietnamese_sort_key("Đông Hoà")
    )


@given(vietnamese_text)
def test_fold_output_is_plain_ascii_words(text):
    folded = fold(text)
    assert set(folded) <= set(string.ascii_lowercase + string.digits + " ")
    assert folded == " ".join(folded.split())


@given(vietnamese_text)
def test_fold_name_is_idempotent_and_case_blind(text):
    assert fold_name(fold_name(text)) == fold_name(text)
    assert fold_name(text.upper()) == fold_name(text.lower())


@given(vietnamese_text)
def test_sort_key_is_digits_so_every_database_orders_it_alike(text):
    assert vietnamese_sort_key(text).isdigit()


@given(
    st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6), min_size=1, max_size=3),
    st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6), min_size=1, max_size=3),
)
def test_sort_key_of_untoned_words_follows_the_alphabet_word_by_word(a, b):
    def ranks(words):
        return [[ALPHABET.index(c) for c in w] for w in words]

    assert (vietnamese_sort_key(" ".join(a)) < vietnamese_sort_key(" ".join(b))) == (
        ranks(a) < ranks(b)
    )
