"""Per-kind validation of requirements and the plain-words labels HR and people read."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import Requirement, describe_requirement


def messages_of(requirement: Requirement) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        requirement.clean()
    return info.value.message_dict


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("tenure", ["months"]),
        ("time_in_level", ["months"]),
        ("exam", ["category"]),
        ("evidence", ["count", "evidence_kind"]),
        ("metric", ["comparison", "metric", "threshold", "window_months"]),
        ("competency", ["competency", "proficiency"]),
        ("attestation", ["code", "label"]),
    ],
)
def test_each_kind_names_the_parameters_it_needs(kind, missing):
    errors = messages_of(Requirement(kind=kind))
    assert sorted(errors) == missing
    assert all(msg[0].startswith("Required for a “") for msg in errors.values())


def test_a_parameter_of_another_kind_must_stay_empty():
    errors = messages_of(Requirement(kind="tenure", months=24, count=3, category="api"))
    assert errors == {
        "count": ["Not used by a “tenure (months since hire)” requirement; leave it empty."],
        "category": ["Not used by a “tenure (months since hire)” requirement; leave it empty."],
    }


def test_evidence_category_is_optional():
    Requirement(kind="evidence", evidence_kind="document", count=3).clean()


def test_unknown_kind_is_refused():
    assert messages_of(Requirement(kind="vibes")) == {"kind": ["Unknown requirement kind “vibes”."]}


@pytest.mark.parametrize(
    ("requirement", "label"),
    [
        (Requirement(kind="tenure", months=24), "At least 24 months since joining"),
        (Requirement(kind="time_in_level", months=6), "At least 6 months in the current level"),
        (Requirement(kind="exam", category="six-month"), "Passed the six month exam"),
        (
            Requirement(kind="evidence", evidence_kind="ticket", category="integration", count=3),
            "3 approved integration tickets",
        ),
        (Requirement(kind="evidence", evidence_kind="document", count=1), "1 approved document"),
        (
            Requirement(
                kind="metric",
                metric="volume_pct",
                comparison="gte",
                threshold=Decimal("100.00"),
                window_months=3,
            ),
            "Ticket/call/chat volume, % of expected at least 100 on average over the last 3 months",
        ),
    ],
)
def test_generated_labels_read_as_plain_words(requirement, label):
    assert describe_requirement(requirement) == label


def test_a_label_written_by_hr_wins():
    assert Requirement(kind="tenure", months=24, label="Two years in").display_label == (
        "Two years in"
    )
