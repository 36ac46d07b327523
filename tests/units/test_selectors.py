"""As-of-date reads, peer sets, lineage and search on the Dĩ An tree."""

import pytest

from tests.units.conftest import AFTER, BEFORE
from units.models import REFORM_2025, AdministrativeUnit, LineageKind, LineageShare, UnitLevel
from units.selectors import (
    ROOT_PEER_KEY,
    UnitPeers,
    peer_keys,
    peer_units,
    unit_ancestors,
    unit_children,
    unit_descendants,
    unit_get_by_code,
    unit_levels_and_peer_keys,
    unit_lineage,
    unit_peer_key,
    unit_search,
)


def names(units):
    return [u.name for u in units]


def test_country_children_across_the_reform(di_an):
    assert names(unit_children(di_an.vn, as_of=BEFORE)) == [
        "Bình Dương",
        "Hà Nội",
        "Hồ Chí Minh",
        "Huế",
    ]
    assert names(unit_children(di_an.vn, as_of=AFTER)) == ["Hà Nội", "Hồ Chí Minh", "Huế"]


def test_valid_to_is_exclusive(di_an):
    last_day = REFORM_2025.fromordinal(REFORM_2025.toordinal() - 1)
    assert AdministrativeUnit.objects.valid_on(last_day).filter(pk=di_an.binh_duong.pk).exists()
    assert (
        not AdministrativeUnit.objects.valid_on(REFORM_2025).filter(pk=di_an.binh_duong.pk).exists()
    )
    assert (
        AdministrativeUnit.objects.valid_on(REFORM_2025)
        .filter(pk=di_an.new_wards["Dĩ An"].pk)
        .exists()
    )


def test_tree_as_of_date(di_an):
    assert names(unit_children(di_an.di_an_city, as_of=BEFORE)) == [
        "An Bình",
        "Bình An",
        "Bình Thắng",
        "Dĩ An",
        "Đông Hòa",
        "Tân Bình",
        "Tân Đông Hiệp",
    ]
    assert names(unit_children(di_an.di_an_city, as_of=AFTER)) == []
    assert names(unit_children(di_an.hcmc, as_of=AFTER, level=UnitLevel.COMMUNE)) == [
        "Dĩ An",
        "Đông Hòa",
        "Tân Đông Hiệp",
    ]
    assert names(unit_children(di_an.hcmc, as_of=BEFORE)) == ["Sở Tư pháp"]


def test_ancestors(di_an, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain = unit_ancestors(di_an.old_wards["Tân Bình"])
    assert chain == [di_an.vn, di_an.binh_duong, di_an.di_an_city]


def test_peer_keys_before_the_reform(di_an, django_assert_num_queries):
    ward, city = di_an.old_wards["Tân Bình"], di_an.di_an_city
    ids = [
        ward.pk,
        city.pk,
        di_an.binh_duong.pk,
        di_an.hcmc.pk,
        di_an.hcmc_department.pk,
        di_an.vn.pk,
    ]
    with django_assert_num_queries(1):
        keys = peer_keys(ids, BEFORE)
    assert keys == {
        # Wards rank within their district: "the 7 wards of Dĩ An".
        ward.pk: f"{city.pk}:commune",
        city.pk: f"{di_an.binh_duong.pk}:district",
        di_an.binh_duong.pk: f"{di_an.vn.pk}:province",
        di_an.hcmc.pk: f"{di_an.vn.pk}:province",
        di_an.hcmc_department.pk: f"{di_an.hcmc.pk}:department",
        di_an.vn.pk: ROOT_PEER_KEY,
    }
    assert peer_units(keys[ward.pk], BEFORE).count() == 7
    assert names(peer_units(keys[city.pk], BEFORE)) == ["Bến Cát", "Dĩ An", "Tân Uyên"]
    assert peer_units(keys[di_an.hcmc.pk], BEFORE).count() == 4


def test_peer_keys_after_the_reform(di_an):
    new = di_an.new_wards["Dĩ An"]
    keys = peer_keys([new.pk, di_an.hcmc.pk, di_an.hcmc_department.pk], AFTER)
    # Communes and departments of one province are separate peer sets.
    assert keys[new.pk] == f"{di_an.hcmc.pk}:commune"
    assert keys[di_an.hcmc_department.pk] == f"{di_an.hcmc.pk}:department"
    assert names(peer_units(keys[new.pk], AFTER)) == ["Dĩ An", "Đông Hòa", "Tân Đông Hiệp"]
    assert peer_units(keys[di_an.hcmc.pk], AFTER).count() == 3  # Bình Dương is gone
    assert unit_peer_key(di_an.hcmc, AFTER) == keys[di_an.hcmc.pk]


def test_known_peers_answer_only_for_their_date_and_their_units(di_an, django_assert_num_queries):
    wards = [u.pk for u in di_an.old_wards.values()]
    fetched = unit_levels_and_peer_keys(wards, BEFORE)
    wrong = {pk: ("commune", "0:wrong") for pk in wards}  # tells which answer was used
    with django_assert_num_queries(0):
        assert unit_levels_and_peer_keys(wards, BEFORE, UnitPeers(BEFORE, wrong)) == wrong
    # Another date, or a unit it does not hold: the database answers.
    with django_assert_num_queries(1):
        assert unit_levels_and_peer_keys(wards, BEFORE, UnitPeers(AFTER, wrong)) == fetched
    partial = UnitPeers(BEFORE, dict(list(wrong.items())[1:]))
    with django_assert_num_queries(1):
        assert unit_levels_and_peer_keys(wards, BEFORE, partial) == fetched


def test_peer_keys_refuse_units_that_do_not_exist_that_day(di_an):
    with pytest.raises(ValueError):
        peer_keys([di_an.old_wards["Dĩ An"].pk], AFTER)
    with pytest.raises(ValueError):
        unit_peer_key(di_an.new_wards["Dĩ An"], BEFORE)


def test_lineage_of_a_new_ward_lists_its_predecessors(di_an):
    lineage = unit_lineage(di_an.new_wards["Dĩ An"])
    assert [(s.unit.name, s.share) for s in lineage.predecessors] == [
        ("An Bình", LineageShare.WHOLE),
        ("Dĩ An", LineageShare.WHOLE),
        ("Tân Đông Hiệp", LineageShare.PART),
    ]
    assert all(s.effective_date == REFORM_2025 for s in lineage.predecessors)
    assert lineage.successors == []


def test_lineage_of_a_split_ward(di_an):
    lineage = unit_lineage(di_an.old_wards["Tân Đông Hiệp"])
    assert sorted(s.unit.name for s in lineage.successors) == ["Dĩ An", "Tân Đông Hiệp"]
    assert {s.share for s in lineage.successors} == {LineageShare.PART}


def test_lineage_of_an_abolished_district_comes_from_its_wards(di_an):
    lineage = unit_lineage(di_an.di_an_city)
    assert names(s.unit for s in lineage.successors) == ["Dĩ An", "Đông Hòa", "Tân Đông Hiệp"]
    assert all(s.via_children and s.kind == LineageKind.SPLIT for s in lineage.successors)


def test_lineage_of_a_merged_province(di_an):
    assert [s.unit for s in unit_lineage(di_an.binh_duong).successors] == [di_an.hcmc]
    assert [s.unit for s in unit_lineage(di_an.hcmc).predecessors] == [di_an.binh_duong]


def test_code_lookup_depends_on_the_date(di_an):
    assert unit_get_by_code(code="25942", as_of=BEFORE) == di_an.old_wards["Dĩ An"]
    assert unit_get_by_code(code="25942", as_of=AFTER) == di_an.new_wards["Dĩ An"]
    assert unit_get_by_code(code="h29", as_of=AFTER, scheme="portal") == di_an.hcmc
    assert unit_get_by_code(code="H29", as_of=BEFORE) is None


def test_search_without_diacritics(di_an):
    assert names(unit_search("Di An", as_of=BEFORE)) == ["Dĩ An", "Dĩ An"]
    assert {u.level for u in unit_search("di an", as_of=BEFORE)} == {"district", "commune"}
    assert [u.parent for u in unit_search("phường dĩ an", as_of=AFTER)] == [di_an.hcmc]
    assert names(unit_search("dong", as_of=AFTER)) == ["Đông Hòa", "Tân Đông Hiệp"]


def test_descendants_as_of_date(di_an, django_assert_num_queries):
    with django_assert_num_queries(1):
        before = list(unit_descendants(scope=di_an.binh_duong, as_of=BEFORE))
        assert all(u.parent.name for u in before)  # parents come with them
    assert len(before) == 3 + 8
    assert names(
        unit_descendants(scope=di_an.binh_duong, as_of=BEFORE, level=UnitLevel.DISTRICT)
    ) == [
        "Bến Cát",
        "Dĩ An",
        "Tân Uyên",
    ]
    assert names(unit_descendants(scope=di_an.vn, as_of=AFTER, level=UnitLevel.COMMUNE)) == [
        "Dĩ An",
        "Đông Hòa",
        "Tân Đông Hiệp",
    ]
