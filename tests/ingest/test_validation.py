"""The registry steps of the one pipeline: units resolved once per distinct (code, name),
repeated and missing units, and the inputs handed to the loaders of indicators.services."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.models import Framework
from ingest import parsers, validation
from ingest.validation import validate_upload_bytes
from tests.units.factories import UnitCodeFactory
from units.models import CodeScheme
from units.selectors import unit_levels_and_peer_keys
from units.text import fold_name

pytestmark = pytest.mark.usefixtures("english")


D = Decimal
DEMO = Path(__file__).resolve().parents[2] / "demo"
AS_OF = datetime.date(2025, 5, 20)
HEADER = "Đơn vị;Chỉ tiêu;Tử số;Mẫu số;Điểm cổng"
INDICATORS = parsers.builtin_limits().indicators


def plain_file(rows: list[list[str]], header: str = HEADER) -> bytes:
    return "\r\n".join([header, *(";".join(r) for r in rows)]).encode("utf-8")


def validate(data: bytes, scope, filename: str = "t.csv"):
    return validate_upload_bytes(
        data,
        filename=filename,
        sheet=None,
        scope=scope,
        as_of=AS_OF,
        framework=Framework.objects.valid_on(AS_OF),
    )


def count_calls(monkeypatch, module, name: str) -> list:
    """Let `module.name` run as before, noting each call in the list returned."""
    calls, function = [], getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or function(*a, **k))
    return calls


def test_the_demo_indicator_table_goes_to_the_loader_as_columns(binh_duong):
    data = (DEMO / "di-an-phuong-chi-tieu-2025-05-20.csv").read_bytes()
    validated = validate(data, binh_duong.di_an)
    assert validated.errors == [] and validated.warnings == []
    counts = validated.indicator_counts
    assert counts is not None and validated.indicator_inputs == []
    assert len(validated.unit_ids) == 7 == len(set(counts.unit_ids.tolist()))
    assert validated.row_count == 7 * 21 == len(counts.numerators)
    assert validated.level == "commune"


def _without_unit(data: bytes, name: str) -> bytes:
    lines = data.decode("utf-8-sig").splitlines()
    return "\r\n".join(line for line in lines if name not in line).encode("utf-8")


def test_registry_problems_are_worded_at_their_rows(binh_duong):
    data = (DEMO / "di-an-phuong-chi-tieu-2025-05-20.csv").read_bytes()
    text = data.decode("utf-8-sig")
    missing = validate(_without_unit(data, "Bình An"), binh_duong.di_an)
    assert [e.code for e in missing.errors] == ["missing_units"]
    assert "Bình An" in missing.errors[0].message
    unknown = validate(
        text.replace("UBND phường Tân Bình", "UBND phường Tân Bìnhh").encode(), binh_duong.di_an
    )
    assert {e.code for e in unknown.errors} == {"unknown_unit"}
    first = unknown.errors[0]
    assert first.ref.row and first.ref.column == "Unit" and "Tân Bìnhh" in first.message
    assert first.message.startswith(f"t.csv, row {first.ref.row}:")
    short = validate(
        "\r\n".join(
            line for line in text.splitlines() if ";2.1;" not in line or "Bình An" not in line
        ).encode(),
        binh_duong.di_an,
    )
    assert short.errors == []
    assert [w.code for w in short.warnings] == ["indicators_missing"]


def test_one_unit_by_name_and_by_code_is_a_repeated_unit(binh_duong):
    """The parser catches a name written twice; a name and a code of one unit only the
    registry can tell apart."""
    UnitCodeFactory(unit=binh_duong.wards["Tân Bình"], scheme=CodeScheme.GSO, code="25945")
    rows = [["", w, i, "1", "2", ""] for w in binh_duong.wards for i in INDICATORS]
    rows.append(["25945", "", "1.1", "1", "2", ""])
    validated = validate(plain_file(rows, header="Mã đơn vị;" + HEADER), binh_duong.di_an)
    [error] = validated.errors
    assert error.code == "duplicate_unit"
    assert error.ref.row == len(rows) + 1
    first = 2 + 21 * list(binh_duong.wards).index("Tân Bình")
    assert f"already given in row {first}" in error.message


def test_a_blank_count_goes_to_the_loader_as_rows(binh_duong):
    rows = [[w, i, "1", "2", ""] for w in binh_duong.wards for i in INDICATORS]
    rows[0][2:4] = ["", ""]  # no data, which the columns of whole counts cannot hold
    validated = validate(plain_file(rows), binh_duong.di_an)
    assert validated.errors == []
    assert [w.code for w in validated.warnings] == ["indicator_no_data"]
    assert validated.indicator_counts is None
    assert len(validated.indicator_inputs) == len(rows)
    assert validated.indicator_inputs[0].numerator is None


def test_exact_names_are_settled_without_the_loose_matcher(binh_duong, monkeypatch):
    """A table naming its units exactly (as national exports do) costs two look-ups."""
    rows = [
        [ward, code, str(n), str(n + 3), ""]
        for n, ward in enumerate(binh_duong.wards)
        for code in INDICATORS
    ]
    calls = count_calls(monkeypatch, validation, "_match_pairs")
    validated = validate(plain_file(rows), binh_duong.di_an)
    assert calls == [] and validated.errors == []
    # The levels and peer keys found on the way are the loader's, which need not ask again.
    peers = validated.indicator_counts.unit_peers
    assert peers.as_of == AS_OF
    assert peers.by_unit == unit_levels_and_peer_keys(validated.unit_ids, AS_OF)


def test_a_code_decides_whatever_the_name_beside_it(binh_duong, monkeypatch):
    codes = {}
    for n, ward in enumerate(binh_duong.wards.values()):
        codes[ward.pk] = f"{26000 + n:05d}"
        UnitCodeFactory(unit=ward, scheme=CodeScheme.GSO, code=codes[ward.pk])
    names = ["phuong sai ten", *[w.name for w in binh_duong.wards.values()][1:]]
    data = plain_file(
        [
            [code, name, indicator, str(k), str(k + 3), ""]
            for code, name in zip(codes.values(), names, strict=True)
            for k, indicator in enumerate(INDICATORS)
        ],
        header="Mã đơn vị;" + HEADER,
    )
    calls = count_calls(monkeypatch, validation, "_match_pairs")
    validated = validate(data, binh_duong.di_an)
    assert calls == [] and validated.errors == []
    assert validated.unit_ids == set(codes)


@pytest.mark.parametrize("loose_name", [False, True], ids=["exact name", "loose name"])
def test_a_code_of_two_units_leaves_the_unit_to_its_name(binh_duong, monkeypatch, loose_name):
    """Real GSO codes collide once leading zeros go (province "04", ward "00004"): the name
    beside the code decides, exactly, or after the level narrows it."""
    wards = list(binh_duong.wards.values())
    for n, ward in enumerate(wards):
        UnitCodeFactory(unit=ward, scheme=CodeScheme.GSO, code=f"{n + 4:05d}")
    UnitCodeFactory(unit=wards[1], scheme=CodeScheme.GSO, code="04")  # "4" is two wards now
    names = [w.name for w in wards]
    if loose_name:
        names[0] = fold_name(names[0])  # no diacritics: only the loose matcher reads it
    data = plain_file(
        [
            [f"{n + 4:05d}", name, indicator, str(k), str(k + 3), ""]
            for n, name in enumerate(names)
            for k, indicator in enumerate(INDICATORS)
        ],
        header="Mã đơn vị;" + HEADER,
    )
    calls = count_calls(monkeypatch, validation, "_match_pairs")
    validated = validate(data, binh_duong.di_an)
    assert validated.errors == []
    assert validated.unit_ids == {w.pk for w in wards}
    assert len(calls) == (1 if loose_name else 0)
