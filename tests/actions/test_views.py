"""The review meeting through the pages: assign from a points-lost row, review, close, judge."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from actions.models import Action, ActionStatus
from dashboard.download_views import pdf_available, pdf_document
from tests.actions.conftest import publish_next_week


def _login(client, w, name):
    client.force_login(w.users[name])
    return client


def _assign_from_row(client, w, unit, **params):
    url = f"/don-vi/{unit.pk}/giao-viec/"
    form = client.get(url, params)
    assert form.status_code == 200
    owner = w.users["chair_tanbinh"].pk
    data = {"title": "Giải quyết 12 hồ sơ trễ hạn", "owner": owner, "due_date": "16/05/2025",
            "target": form.context["form"].initial["target"], "description": ""}  # fmt: skip
    return client.post(f"{url}?snapshot={w.snapshot.pk}", data)


def test_the_review_meeting_from_row_to_figure(client, wards_week):
    w = wards_week
    tan_binh = w.wards["Tân Bình"]
    # 1. The chair opens their unit page: each points-lost row links to a pre-filled form.
    page = _login(client, w, "chair_tanbinh").get(f"/don-vi/{tan_binh.pk}/").content.decode()
    assert f"/don-vi/{tan_binh.pk}/giao-viec/?snapshot={w.snapshot.pk}&amp;group=TDGQ" in page
    response = _assign_from_row(client, w, tan_binh, group="TDGQ", snapshot=w.snapshot.pk)
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.group.code, action.created_by, action.baseline) == (
        "TDGQ", w.users["chair_tanbinh"], action.baseline
    )  # fmt: skip
    # The unit page lists it beside the row it concerns.
    page = client.get(f"/don-vi/{tan_binh.pk}/").content.decode()
    assert "Giải quyết 12 hồ sơ trễ hạn" in page and f"/viec/{action.pk}/" in page
    # 2. A provincial officer sees it on the review page of the wards' snapshot.
    review = _login(client, w, "staff_bd").get(f"/hop-giao-ban/{w.di_an.pk}/")
    assert review.status_code == 200
    assert "Giải quyết 12 hồ sơ trễ hạn" in review.content.decode()
    # 3. The owner closes it.
    _login(client, w, "chair_tanbinh")
    response = client.post(
        f"/viec/{action.pk}/cap-nhat",
        {"status": "done", "owner": w.users["chair_tanbinh"].pk, "due_date": "2025-05-16"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    # 4. The next snapshot: the action shows its figure then and now, and that it rose.
    publish_next_week(w)
    detail = client.get(f"/viec/{action.pk}/").content.decode()
    assert "19,12" in detail and "19,16" in detail
    assert "13/05/2025" in detail and "20/05/2025" in detail
    assert "Xong" in detail and "trạng thái" in detail  # the history in words


def test_a_chair_cannot_create_or_read_another_units_actions(client, wards_week):
    w = wards_week
    an_binh = w.wards["An Bình"]
    _login(client, w, "chair_anbinh")
    response = client.post(
        f"/don-vi/{an_binh.pk}/giao-viec/?snapshot={w.snapshot.pk}",
        {"title": "Số hóa hồ sơ", "owner": w.users["chair_anbinh"].pk, "due_date": "2025-05-30"},
    )
    assert response.status_code == 302
    theirs = Action.objects.get()
    _login(client, w, "chair_tanbinh")
    assert client.get(f"/don-vi/{an_binh.pk}/giao-viec/").status_code == 404
    assert client.get(f"/viec/{theirs.pk}/").status_code == 404
    assert client.post(f"/viec/{theirs.pk}/cap-nhat", {"status": "done"}).status_code == 404
    assert "Số hóa hồ sơ" not in client.get("/viec/").content.decode()
    assert "Số hóa hồ sơ" not in client.get("/viec/tai-ve.csv").content.decode("utf-8-sig")


def _review_post(w, units, title="Rà soát hồ sơ trễ hạn"):
    data = {}
    for unit in units:
        p = f"u{unit.pk}"
        chair = w.users["chair_dian"].pk
        data |= {f"{p}-selected": "on", f"{p}-title": f"{title} {unit.name}",
                 f"{p}-owner": chair, f"{p}-due_date": "2025-05-27"}  # fmt: skip
    return data


def test_the_review_assigns_several_units_at_once_and_prints_minutes(client, wards_week):
    w = wards_week
    units = [w.wards[n] for n in ("Bình An", "Bình Thắng", "Đông Hòa")]
    _login(client, w, "staff_bd")
    response = client.post(
        f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}", _review_post(w, units)
    )
    assert response.status_code == 302
    assert set(Action.objects.values_list("unit_id", flat=True)) == {u.pk for u in units}
    minutes = client.get(f"/hop-giao-ban/{w.di_an.pk}/bien-ban/?snapshot={w.snapshot.pk}")
    assert "Rà soát hồ sơ trễ hạn Đông Hòa" in minutes.content.decode()


def test_a_ticked_unit_without_a_task_creates_nothing(client, wards_week):
    w = wards_week
    data = _review_post(w, [w.wards["Bình An"], w.wards["Đông Hòa"]])
    data[f"u{w.wards['Đông Hòa'].pk}-title"] = ""
    _login(client, w, "staff_bd")
    response = client.post(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}", data)
    assert response.status_code == 200 and not Action.objects.exists()


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint needs the system's Pango library")
def test_the_minutes_pdf_keeps_its_diacritics(client, wards_week):
    w = wards_week
    _login(client, w, "staff_bd")
    client.post(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}",
                _review_post(w, [w.wards["Đông Hòa"]], title="Số hóa hồ sơ tồn đọng"))  # fmt: skip
    response = client.get(f"/hop-giao-ban/{w.di_an.pk}/bien-ban.pdf?snapshot={w.snapshot.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert 1 <= len(reader.pages) <= 2
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    for words in (
        "BIÊN BẢN HỌP GIAO BAN",
        "Số hóa hồ sơ tồn đọng Đông Hòa",
        "Thành phố Dĩ An",
        "27/05/2025",
    ):
        assert words in text, words


def test_the_action_list_exports_with_decimal_commas(client, wards_week):
    w = wards_week
    _login(client, w, "staff_bd")
    client.post(
        f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}",
        _review_post(w, [w.wards["Đông Hòa"]]),
    )
    body = client.get("/viec/tai-ve.csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    header, row = body.decode("utf-8-sig").splitlines()[:2]
    assert header.count(";") == 11 and "27/05/2025" in row
    assert re.search(r";\d+,\d\d;", row)  # the figure with a decimal comma
    xlsx = client.get("/viec/tai-ve.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_overdue_actions_are_flagged_on_the_unit_page(client, wards_week):
    w = wards_week
    _login(client, w, "chair_tanbinh")
    tan_binh = w.wards["Tân Bình"]
    _assign_from_row(client, w, tan_binh)
    assert Action.objects.get().due_date < datetime.date.today()
    page = client.get(f"/don-vi/{tan_binh.pk}/").content.decode()
    assert "overdue-flag" in page


def test_the_unit_report_lists_the_open_actions(client, wards_week):
    w = wards_week
    _login(client, w, "chair_tanbinh")
    tan_binh = w.wards["Tân Bình"]
    _assign_from_row(client, w, tan_binh, group="TDGQ")
    report = client.get(f"/don-vi/{tan_binh.pk}/bao-cao/").content.decode()
    row = report[report.index('<td title="Giải quyết 12 hồ sơ trễ hạn">') :].split("</tr>")[0]
    assert "TDGQ" in row and "16/05/2025" in row
    if pdf_available():
        assert len(pdf_document(report).pages) == 1  # still one A4 page


def test_a_what_it_takes_line_prefills_the_dossiers(client, wards_week):
    from tests.actions.conftest import AFTER, publish

    w = wards_week
    counts = publish("di-an-phuong-chi-tieu-2025-05-20.csv", w.di_an, AFTER)
    _login(client, w, "chair_tanbinh")
    tan_binh = w.wards["Tân Bình"]
    form = client.get(
        f"/don-vi/{tan_binh.pk}/giao-viec/", {"snapshot": counts.pk, "indicator": "1.1"}
    )
    initial = form.context["form"].initial
    assert initial["target"] == "i:1.1"
    assert "hồ sơ" in str(initial["description"]) and "1.1" in str(initial["description"])


def test_a_chair_cannot_post_an_action_for_another_unit_from_its_page_or_the_review(
    client, wards_week
):
    w = wards_week
    an_binh, tan_binh = w.wards["An Bình"], w.wards["Tân Bình"]
    _login(client, w, "chair_tanbinh")
    response = client.post(
        f"/don-vi/{an_binh.pk}/giao-viec/?snapshot={w.snapshot.pk}",
        {"title": "Số hóa hồ sơ", "owner": w.users["chair_tanbinh"].pk, "due_date": "30/05/2025"},
    )
    assert response.status_code == 404
    # The review of Dĩ An offers the chair their own ward only; a forged row for An Bình (its
    # chair as owner) is ignored, the chair's own row is created.
    review = client.get(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}")
    assert f"u{an_binh.pk}-title" not in review.content.decode()
    data = _review_post(w, [an_binh, tan_binh])
    data[f"u{tan_binh.pk}-owner"] = w.users["chair_tanbinh"].pk
    client.post(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}", data)
    assert list(Action.objects.values_list("unit__name", flat=True)) == ["Tân Bình"]


def test_a_chair_reads_on_the_review_only_the_actions_of_units_they_may_read(client, wards_week):
    w = wards_week
    an_binh = w.wards["An Bình"]
    _login(client, w, "chair_anbinh")
    client.post(
        f"/don-vi/{an_binh.pk}/giao-viec/?snapshot={w.snapshot.pk}",
        {"title": "Việc riêng của An Bình", "owner": w.users["chair_anbinh"].pk,
         "due_date": "30/05/2025"},
    )  # fmt: skip
    assert Action.objects.filter(unit=an_binh).exists()
    _login(client, w, "chair_tanbinh")
    for url in (
        f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}",
        f"/hop-giao-ban/{w.di_an.pk}/bien-ban/?snapshot={w.snapshot.pk}",
        f"/api/v1/actions/?unit={an_binh.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Việc riêng của An Bình" not in response.content.decode(), url
    # The provincial officer reads it there.
    _login(client, w, "staff_bd")
    review = client.get(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}")
    assert "Việc riêng của An Bình" in review.content.decode()


def test_after_the_next_snapshot_the_review_and_its_minutes_show_the_figure_then_and_now(
    client, wards_week
):
    w = wards_week
    tan_binh = w.wards["Tân Bình"]
    _login(client, w, "chair_tanbinh")
    _assign_from_row(client, w, tan_binh, group="TDGQ", snapshot=w.snapshot.pk)
    action = Action.objects.get()
    _login(client, w, "staff_bd")
    before = client.get(f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}").content.decode()
    assert f'data-action="{action.pk}"' in before and "19,16" not in before
    publish_next_week(w)
    for url in (
        f"/hop-giao-ban/{w.di_an.pk}/?snapshot={w.snapshot.pk}",
        f"/hop-giao-ban/{w.di_an.pk}/bien-ban/?snapshot={w.snapshot.pk}",
    ):
        page = client.get(url).content.decode()
        row = page[page.index("Giải quyết 12 hồ sơ trễ hạn") :].split("</tr>")[0]
        assert "19,12" in row and "19,16" in row, url
