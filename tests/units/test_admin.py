"""The unit admin: folded search, Vietnamese order, the change form with codes and lineage."""

from django.urls import reverse

from tests.units.conftest import AFTER
from units.models import AdministrativeUnit


def test_changelist_search_is_folded_and_ordered(admin_client, di_an):
    url = reverse("admin:units_administrativeunit_changelist")
    response = admin_client.get(url, {"q": "di an"})
    assert response.status_code == 200
    shown = [u.full_name for u in response.context["cl"].result_list]
    assert sorted(shown) == ["Phường Dĩ An", "Phường Dĩ An", "Thành phố Dĩ An"]
    assert admin_client.get(url, {"q": "UBND phường Tân Bình"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "H29"}).context["cl"].result_list[0] == di_an.hcmc


def test_changelist_orders_by_sort_key(admin_client, di_an):
    url = reverse("admin:units_administrativeunit_changelist")
    response = admin_client.get(url, {"parent__id__exact": di_an.di_an_city.pk})
    assert [u.name for u in response.context["cl"].result_list] == [
        "An Bình",
        "Bình An",
        "Bình Thắng",
        "Dĩ An",
        "Đông Hòa",
        "Tân Bình",
        "Tân Đông Hiệp",
    ]


def test_change_form_shows_codes_and_lineage(admin_client, di_an):
    unit = di_an.new_wards["Dĩ An"]
    response = admin_client.get(reverse("admin:units_administrativeunit_change", args=[unit.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "25942" in body
    assert "An Bình" in body  # a predecessor


def test_add_department_derives_fields(admin_client, di_an):
    response = admin_client.post(
        reverse("admin:units_administrativeunit_add"),
        {
            "name": "Sở Nội vụ",
            "full_name": "Sở Nội vụ",
            "kind": "so_ban_nganh",
            "parent": di_an.hcmc.pk,
            "valid_from": "",
            "valid_to": "",
            # The three inlines (codes, predecessors, successors), empty.
            **{
                f"{prefix}-{field}": "0"
                for prefix in ("codes", "predecessor_links", "successor_links")
                for field in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert response.status_code == 302
    unit = AdministrativeUnit.objects.get(name="Sở Nội vụ")
    assert (unit.level, unit.search_name, unit.is_valid_on(AFTER)) == (
        "department",
        "so noi vu",
        True,
    )


def test_lineage_and_code_admins_search(admin_client, di_an):
    response = admin_client.get(
        reverse("admin:units_lineagelink_changelist"), {"q": "tan dong hiep"}
    )
    assert response.context["cl"].result_count == 4
    response = admin_client.get(reverse("admin:units_unitcode_changelist"), {"q": "25942"})
    assert response.context["cl"].result_count == 2
