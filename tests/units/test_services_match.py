"""Matching codes and loose names to units: the rules of DOMAIN §5."""

import pytest

from tests.units.conftest import AFTER, BEFORE
from tests.units.factories import CommuneFactory, ProvinceFactory, UnitCodeFactory
from units.models import CodeScheme, UnitKind, UnitLevel
from units.selectors import unit_descendants, unit_levels_and_peer_keys
from units.services import (
    MatchReason,
    unit_ids_by_exact_text,
    unit_match,
    unit_match_many,
    unit_resolve,
)


@pytest.mark.parametrize(
    "text", ["TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "ho chi minh", "HỒ CHÍ MINH"]
)
def test_province_spellings_find_the_same_unit(di_an, text):
    match = unit_match(text=text, scope=di_an.vn, as_of=AFTER, level=UnitLevel.PROVINCE)
    assert match.unit == di_an.hcmc


def test_bare_hue_finds_thanh_pho_hue(di_an):
    match = unit_match(text="Huế", scope=None, as_of=AFTER)
    assert match.unit == di_an.hue
    assert match.unit.full_name == "Thành phố Huế"


@pytest.mark.parametrize(
    ("text", "ward"),
    [
        ("UBND phường Tân Bình", "Tân Bình"),
        ("P. Bình Thắng", "Bình Thắng"),
        ("dong hoa", "Đông Hòa"),
    ],
)
def test_ward_names_within_a_district(di_an, text, ward):
    match = unit_match(text=text, scope=di_an.di_an_city, as_of=BEFORE)
    assert match.unit == di_an.old_wards[ward]


def test_prefix_that_contradicts_the_registry_does_not_exclude(di_an):
    # Bến Cát was a thị xã until 2024; exports still say "TX".
    assert unit_match(text="TX Bến Cát", scope=di_an.binh_duong, as_of=BEFORE).unit == di_an.ben_cat


def test_name_at_two_levels_is_ambiguous_and_says_which_is_which(di_an):
    match = unit_match(text="Dĩ An", scope=di_an.binh_duong, as_of=BEFORE)
    assert match.unit is None
    assert match.reason == MatchReason.AMBIGUOUS
    assert set(match.candidates) == {di_an.di_an_city, di_an.old_wards["Dĩ An"]}
    assert "Thành phố Dĩ An (Tỉnh Bình Dương)" in match.error
    assert "Phường Dĩ An (Thành phố Dĩ An)" in match.error


def test_level_or_prefix_resolves_the_two_levels(di_an):
    scope, as_of = di_an.binh_duong, BEFORE
    assert (
        unit_match(text="Dĩ An", scope=scope, as_of=as_of, level=UnitLevel.DISTRICT).unit
        == di_an.di_an_city
    )
    assert (
        unit_match(text="Dĩ An", scope=scope, as_of=as_of, level=UnitLevel.COMMUNE).unit
        == di_an.old_wards["Dĩ An"]
    )
    assert unit_match(text="TP Dĩ An", scope=scope, as_of=as_of).unit == di_an.di_an_city
    assert (
        unit_match(text="Phường Dĩ An", scope=scope, as_of=as_of).unit == di_an.old_wards["Dĩ An"]
    )


def test_same_name_after_the_reform_is_the_new_ward(di_an):
    match = unit_match(text="Dĩ An", scope=di_an.hcmc, as_of=AFTER)
    assert match.unit == di_an.new_wards["Dĩ An"]


def test_units_that_fold_alike_need_the_exact_spelling(db):
    province = ProvinceFactory(name="Quảng Ngãi")
    son_ha = CommuneFactory(name="Sơn Hà", parent=province)
    son_ha_dot = CommuneFactory(name="Sơn Hạ", parent=province)
    assert unit_match(text="Xã Sơn Hà", scope=province, as_of=AFTER).unit == son_ha
    assert unit_match(text="sơn hạ", scope=province, as_of=AFTER).unit == son_ha_dot
    match = unit_match(text="son ha", scope=province, as_of=AFTER)
    assert match.reason == MatchReason.AMBIGUOUS
    assert match.candidates == [son_ha, son_ha_dot]


def test_ascii_name_that_starts_like_a_prefix(db):
    province = ProvinceFactory(name="Thanh Hóa")
    quan_hoa = CommuneFactory(name="Quan Hóa", parent=province)
    CommuneFactory(name="Hòa", parent=province)
    assert unit_match(text="quan hoa", scope=province, as_of=AFTER).unit == quan_hoa
    assert unit_match(text="Xã Quan Hóa", scope=province, as_of=AFTER).unit == quan_hoa


def test_unknown_name_lists_the_closest(di_an):
    match = unit_match(text="Phường Tân Đông Hiêp Mới", scope=di_an.di_an_city, as_of=BEFORE)
    assert match.reason == MatchReason.UNKNOWN
    assert match.candidates[0] == di_an.old_wards["Tân Đông Hiệp"]
    assert len(match.candidates) <= 5
    assert "Tân Đông Hiệp" in match.error


def test_unknown_with_nothing_close(di_an):
    match = unit_match(text="Zzzz", scope=di_an.di_an_city, as_of=BEFORE)
    assert (match.unit, match.candidates, match.reason) == (None, [], MatchReason.UNKNOWN)
    assert match.error


def test_empty_text(di_an):
    match = unit_match(text="  ", scope=None, as_of=AFTER)
    assert match.reason == MatchReason.EMPTY and match.error


def test_scope_excludes_other_branches_and_other_dates(di_an):
    # Thái Hòa is in Tân Uyên, not in Dĩ An; the old wards are gone after the reform.
    assert unit_match(text="Thái Hòa", scope=di_an.di_an_city, as_of=BEFORE).unit is None
    assert unit_match(text="Thái Hòa", scope=di_an.binh_duong, as_of=BEFORE).unit == di_an.thai_hoa
    assert unit_match(text="Bình Thắng", scope=None, as_of=AFTER).unit is None


def test_codes_come_first_in_any_scheme_and_by_date(di_an):
    assert unit_match(text="25942", scope=None, as_of=BEFORE).unit == di_an.old_wards["Dĩ An"]
    assert unit_match(text="25942", scope=None, as_of=AFTER).unit == di_an.new_wards["Dĩ An"]
    assert unit_match(text=" h29 ", scope=di_an.vn, as_of=AFTER).reason == MatchReason.CODE
    assert unit_match(text="H29.17", scope=di_an.hcmc, as_of=AFTER).unit == di_an.hcmc_department
    assert unit_match(text="079", scope=None, as_of=AFTER).unit == di_an.hcmc  # leading zeros


def test_portal_code_wins_over_an_overlapping_converter_code(di_an):
    UnitCodeFactory(unit=di_an.ha_noi, scheme=CodeScheme.VAC, code="79")
    assert unit_match(text="79", scope=None, as_of=AFTER).unit == di_an.hcmc


def test_alias_codes_are_names_too(di_an):
    UnitCodeFactory(unit=di_an.hue, scheme=CodeScheme.ALIAS, code="Thừa Thiên Huế")
    assert unit_match(text="Tỉnh Thừa Thiên Huế", scope=None, as_of=BEFORE).unit == di_an.hue


def test_match_many_costs_three_queries_and_keeps_order(di_an, django_assert_num_queries):
    texts = ["Phường Tân Bình", "25942", "Dĩ An", "nowhere", "An Bình"] * 40
    with django_assert_num_queries(3):
        matches = unit_match_many(texts=texts, scope=di_an.binh_duong, as_of=BEFORE)
    assert len(matches) == 200
    assert [m.reason for m in matches[:5]] == [
        MatchReason.EXACT_NAME,
        MatchReason.CODE,
        MatchReason.AMBIGUOUS,
        MatchReason.UNKNOWN,
        MatchReason.EXACT_NAME,
    ]
    # The candidates' parents were loaded with them: describing them costs nothing.
    with django_assert_num_queries(0):
        assert all(isinstance(m.error, str) for m in matches)


def test_departments_match_by_name_within_their_province(di_an):
    match = unit_match(text="Sở Tư pháp", scope=di_an.hcmc, as_of=AFTER, level=UnitLevel.DEPARTMENT)
    assert match.unit == di_an.hcmc_department
    assert match.unit.kind == UnitKind.DEPARTMENT


def test_resolve_a_scope_prefers_the_largest_namesake(di_an):
    CommuneFactory(name="Bình Dương", parent=di_an.hcmc)
    assert unit_resolve(text="Bình Dương", as_of=BEFORE).unit == di_an.binh_duong
    assert unit_resolve(text="VN", as_of=AFTER).unit == di_an.vn
    assert unit_resolve(text="Việt Nam", as_of=AFTER).unit == di_an.vn
    assert unit_resolve(text="H29", as_of=AFTER).unit == di_an.hcmc
    # A prefix still decides, and a name that no longer exists is an error with candidates.
    assert unit_resolve(text="Phường Dĩ An", as_of=AFTER).unit == di_an.new_wards["Dĩ An"]
    match = unit_resolve(text="Bình Dương", as_of=AFTER)
    assert match.unit.kind == UnitKind.COMMUNE  # the province ended; the commune remains


def test_resolve_keeps_same_level_namesakes_ambiguous(di_an):
    CommuneFactory(name="Tân Bình", parent=di_an.hcmc)
    CommuneFactory(name="Tân Bình", parent=di_an.ha_noi)
    match = unit_resolve(text="Tân Bình", as_of=AFTER)
    assert match.reason == MatchReason.AMBIGUOUS
    assert len(match.candidates) == 2


def test_exact_lookup_answers_as_match_many_or_not_at_all(di_an, django_assert_num_queries):
    """What unit_ids_by_exact_text settles, unit_match_many settles alike by a code or the
    exact name, and the other way round; loose spellings, namesakes, ambiguous codes and
    unknown texts are left to unit_match_many."""
    # An alias that is also a ward's exact name: codes come first, so the alias wins.
    UnitCodeFactory(unit=di_an.old_wards["Bình An"], scheme=CodeScheme.ALIAS, code="Đông Hòa")
    # A code two wards share in the scheme that decides: ambiguous.
    for ward in ("Tân Bình", "Đông Hòa"):
        UnitCodeFactory(unit=di_an.old_wards[ward], scheme=CodeScheme.ALIAS, code="TWIN")
    texts = [
        "Tân Bình",  # exact name
        "  phường  tân bình ",  # exact full name, spacing and case aside
        "Đông Hòa",  # exact name of one ward, alias code of another
        "Dĩ An",  # the city and the ward
        "dong hoa",  # folded only
        "25942",  # a GSO code
        "025942",  # the same, with a leading zero
        "twin",  # an ambiguous code
        "nowhere",
        "",
    ]
    scope, as_of = di_an.binh_duong, BEFORE
    with django_assert_num_queries(2):
        exact = unit_ids_by_exact_text(texts=texts, scope=scope, as_of=as_of)
    matches = dict(zip(texts, unit_match_many(texts=texts, scope=scope, as_of=as_of), strict=True))
    settled = {MatchReason.CODE, MatchReason.ALIAS, MatchReason.EXACT_NAME}
    assert set(exact.found) == {t for t, m in matches.items() if m.reason in settled}
    assert {"Tân Bình", "  phường  tân bình ", "Đông Hòa", "25942", "025942"} <= set(exact.found)
    for text, unit_id in exact.found.items():
        assert matches[text].unit.pk == unit_id
        assert exact.levels[unit_id] == matches[text].unit.level
    assert matches["Đông Hòa"].unit == di_an.old_wards["Bình An"]
    assert matches["twin"].reason == MatchReason.AMBIGUOUS
    assert exact.ambiguous_codes == {"twin"}
    # Every unit of the scope is listed with its level: the coverage check needs no query.
    for level in (UnitLevel.DISTRICT, UnitLevel.COMMUNE):
        expected = unit_descendants(scope=scope, as_of=as_of, level=level)
        assert exact.units_at(level) == set(expected.values_list("pk", flat=True))
    # Levels and peer keys come with them: the loader need not look them up again.
    every = set(exact.levels)
    peers = exact.levels_and_peer_keys(every)
    assert peers.as_of == as_of
    assert peers.by_unit == unit_levels_and_peer_keys(every, as_of)
