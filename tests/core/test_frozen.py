"""Frozen value objects built by :func:`core.frozen.quick_init` behave as the dataclass's own."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.evaluation import Evaluation
from core.frozen import quick_init
from core.rules import Criterion, Grant


@quick_init
@dataclasses.dataclass(frozen=True)
class Line:
    code: str
    amount: int = 0
    note: str | None = None


def test_fields_defaults_and_keywords_are_the_dataclass_s():
    assert Line("a") == Line(code="a", amount=0, note=None)
    assert Line("a", 5, note="x").note == "x"
    assert repr(Line("a", 5)) == "Line(code='a', amount=5, note=None)"
    assert dataclasses.replace(Line("a", 5), amount=6) == Line("a", 6)
    assert hash(Line("a", 5)) == hash(Line("a", 5))


def test_instances_stay_frozen():
    line = Line("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.code = "b"  # type: ignore[misc]
    grant = Grant(np.array([True]))
    assert grant.amount is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        grant.amount = 5  # type: ignore[misc]


def test_missing_and_unknown_arguments_are_refused_as_before():
    with pytest.raises(TypeError):
        Criterion("a", "label", "basis")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Line("a", colour="red")  # type: ignore[call-arg]


def test_a_default_factory_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match="default factory"):

        @quick_init
        @dataclasses.dataclass(frozen=True)
        class Bad:
            items: list = dataclasses.field(default_factory=list)


def test_the_evaluation_keeps_its_defaults():
    names = {f.name: f.default for f in dataclasses.fields(Evaluation)}
    assert names["ruleset"] == "" and names["parameters_used"] == ()


def test_facts_built_field_by_field_are_the_dataclass_s():
    from core.facts import _ALL_FIELDS, HouseholdFacts, _build
    from core.model import parse_household

    facts = HouseholdFacts.of(
        parse_household({"members": [{"name": "甲", "relation": "APPLICANT", "age": 40}]})
    )
    values = [getattr(facts, name) for name in _ALL_FIELDS]
    built, made = _build(*values), HouseholdFacts(*values)
    assert all(getattr(built, n) is getattr(made, n) for n in _ALL_FIELDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.size = 2  # type: ignore[misc]
    again = facts.replaced(size=1, derived={"x": 1})
    assert again.derived == {"x": 1} and again.members is facts.members
    with pytest.raises(TypeError, match="no field colour"):
        facts.replaced(colour=1)
