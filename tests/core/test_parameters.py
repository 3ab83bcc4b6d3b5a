"""Parameters: dated values, inheritance through the chain, and errors that name things."""

from datetime import date
from pathlib import Path

import pytest

from core.errors import BAD_INPUT, MissingParameter
from core.parameters import ParameterFileError, load_parameter_file, merge_chain


def test_the_value_in_force_is_the_latest_that_took_effect(registry):
    table = registry.get("hebei").parameter_table
    assert str(table.resolve("dibao.standard_monthly", date(2024, 12, 31)).value) == "760.00"
    p = table.resolve("dibao.standard_monthly", date(2025, 1, 1))
    assert str(p.value) == "790.00"
    assert p.effective_from == date(2025, 1, 1)


def test_defined_by_names_the_tenant_whose_value_is_in_force(registry):
    city = registry.get("demo_city").parameter_table
    assert city.resolve("dibao.standard_monthly", date(2026, 6, 1)).defined_by == "demo_city"
    assert city.resolve("medical_relief.schedule", date(2026, 6, 1)).defined_by == "hebei"
    assert (
        city.resolve("sudden_expense.medical_share_of_income", date(2026, 6, 1)).defined_by
        == "national"
    )


def test_a_missing_parameter_is_an_error_naming_tenant_parameter_and_date(registry):
    table = registry.get("gansu").parameter_table
    with pytest.raises(MissingParameter) as caught:
        table.resolve("medical_relief.schedule", date(2026, 6, 1))
    assert caught.value.code == BAD_INPUT
    for part in ("gansu", "medical_relief.schedule", "2026-06-01"):
        assert part in caught.value.en


def test_a_date_before_the_first_value_is_an_error_not_a_zero(registry):
    table = registry.get("demo_city").parameter_table
    with pytest.raises(MissingParameter, match=r"heating_yuan_yearly.*2020-01-01"):
        table.resolve("utilities.heating_yuan_yearly", date(2020, 1, 1))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
description: a figure
type: money
unit: yuan
values:
  2020-01-01: {value: 10, source: "000 二"}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('source: "000 二"', 'source: ""'), "needs a 'source'"),
        (GOOD.replace("type: money", "type: currency"), "'type' must be one of"),
        (GOOD.replace("2020-01-01", "someday"), "not a date"),
        (GOOD.replace("value: 10", "value: -10"), ">= 0"),
        (GOOD.replace("value: 10", "value: ten"), "expected a number"),
        (GOOD.replace("description: a figure\n", ""), "'description' is required"),
        (GOOD + "colour: red\n", "unknown keys colour"),
        ("values: [", "not valid YAML"),
    ],
)
def test_a_bad_parameter_file_names_the_file_and_the_fix(tmp_path, text, message):
    path = write(tmp_path, "x/y.yaml", text)
    with pytest.raises(ParameterFileError, match=message) as caught:
        load_parameter_file(path, tmp_path, "somewhere")
    assert str(path) in str(caught.value)


def test_the_file_path_names_the_parameter(tmp_path):
    d = load_parameter_file(write(tmp_path, "dibao/standard_monthly.yaml", GOOD), tmp_path, "t")
    assert d.name == "dibao.standard_monthly"


def test_an_undeclared_override_is_refused_naming_both(tmp_path):
    parent = load_parameter_file(write(tmp_path, "p/a.yaml", GOOD), tmp_path / "p", "province")
    child = load_parameter_file(write(tmp_path, "c/a.yaml", GOOD), tmp_path / "c", "city")
    _, problems = merge_chain("city", [("province", [parent]), ("city", [child])])
    assert len(problems) == 1
    assert "city" in problems[0] and "province" in problems[0] and "overrides: true" in problems[0]


def test_a_declared_override_wins_and_an_empty_one_is_reported(tmp_path):
    parent = load_parameter_file(write(tmp_path, "p/a.yaml", GOOD), tmp_path / "p", "province")
    child = load_parameter_file(
        write(tmp_path, "c/a.yaml", "overrides: true\n" + GOOD.replace("10", "20")),
        tmp_path / "c",
        "city",
    )
    stray = load_parameter_file(
        write(tmp_path, "c/b.yaml", "overrides: true\n" + GOOD), tmp_path / "c", "city"
    )
    table, problems = merge_chain("city", [("province", [parent]), ("city", [child, stray])])
    assert table.resolve("a", date(2021, 1, 1)).defined_by == "city"
    assert str(table.resolve("a", date(2021, 1, 1)).value) == "20.00"
    assert problems == [p for p in problems if "no parent defines it" in p] and len(problems) == 1
