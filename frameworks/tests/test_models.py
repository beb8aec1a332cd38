"""Per-kind validation of requirements and the plain-words labels HR and people read."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import Requirement, describe_requirement


def messages_of(requirement: Requirement) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        requirement.clean()  # the per-kind and per-label checks; field checks are Django's
    return info.value.message_dict


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("tenure", ["months"]),
        ("time_in_level", ["months"]),
        ("exam", ["category"]),
        ("evidence", ["count", "evidence_kind"]),
        ("metric", ["metric", "threshold", "window_months"]),  # comparison: the direction's
        ("competency", ["competency", "proficiency"]),
        ("attestation", ["code", "label"]),
        ("group", ["code", "count"]),
        ("points", ["count", "points_source"]),
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
            "Ticket/call/chat volume at least 100% (average over the last 3 months)",
        ),
        (
            Requirement(
                kind="metric", metric="unplanned_absence_pct", threshold=3, window_months=3
            ),
            "Unplanned absence at most 3% (average over the last 3 months)",  # lower is better
        ),
        (
            Requirement(
                kind="evidence", evidence_kind="escalation", category="api", count=1, window="level"
            ),
            "1 approved api escalation since the start of the current level",
        ),
        (
            Requirement(
                kind="evidence",
                evidence_kind="document",
                count=2,
                window="trailing",
                window_months=12,
            ),
            "2 approved documents in the last 12 months",
        ),
        (Requirement(kind="group", code="g", count=2), "Any 2 of the following"),
        (
            Requirement(kind="points", count=20, points_source="ratings"),
            "At least 20 points from manager ratings",
        ),
    ],  # fmt: skip
)
@pytest.mark.django_db  # a metric bar is named by its definition
def test_generated_labels_read_as_plain_words(requirement, label):
    assert describe_requirement(requirement) == label


def test_a_label_written_by_hr_wins():
    assert Requirement(kind="tenure", months=24, label="Two years in").display_label == (
        "Two years in"
    )


@pytest.mark.parametrize(
    ("requirement", "errors"),
    [
        (
            Requirement(kind="evidence", evidence_kind="ticket", count=3, window="trailing"),
            {"window_months": ["Say how many trailing months count."]},
        ),
        (
            Requirement(kind="evidence", evidence_kind="ticket", count=3, window_months=6),
            {"window_months": ["Only a trailing window has a number of months."]},
        ),
        (
            Requirement(kind="points", count=10, points_source="evidence"),
            {"weights": ["Say how many points each evidence kind (or kind/category) is worth, "
                         "e.g. {“ticket/integration”: 2}."]},
        ),
        (
            Requirement(kind="points", count=10, points_source="ratings", weights={"x": "many"}),
            {"weights": ["Write weights as a mapping of names to positive numbers."]},
        ),
        (
            Requirement(kind="tenure", months=12, valid_months=6),
            {"valid_months": ["Not used by a “tenure (months since hire)” requirement; "
                              "leave it empty."]},
        ),
    ],
)  # fmt: skip
def test_new_constructs_are_checked_with_plain_messages(requirement, errors):
    assert messages_of(requirement) == errors


@pytest.mark.django_db
def test_a_metric_must_be_defined():
    errors = messages_of(Requirement(kind="metric", metric="nps", threshold=50, window_months=3))
    assert errors == {"metric": ["“nps” is not a defined metric; add it under Metric definitions."]}


def test_a_group_member_cannot_be_a_group_and_groups_nest_one_level():
    outer = Requirement(kind="group", code="outer", count=1)
    inner = Requirement(kind="group", code="inner", count=1, parent=outer)
    assert messages_of(inner)["kind"] == ["A member of a group cannot itself be a group."]
    member_of_member = Requirement(kind="tenure", months=1, parent=inner)
    inner.parent_id = 1  # saved under a group
    assert messages_of(member_of_member)["parent"] == [
        "Groups nest one level deep: this group is itself a member."
    ]


@pytest.mark.django_db
def test_a_group_option_belongs_to_the_groups_level(seeded):
    s1, s2 = (seeded["whatfix-support"].levels.get(code=c) for c in ("S1", "S2"))
    group = Requirement.objects.create(kind="group", code="g", count=1, level=s1)
    option = Requirement(kind="tenure", months=1, parent=group, level=s2)
    assert messages_of(option)["parent"] == [
        "A group's option belongs to the same level (or perk)."
    ]


@pytest.mark.django_db
def test_a_label_follows_its_parameters_through_placeholders(seeded):
    req = Requirement.objects.get(
        level__framework=seeded["support-formula"], level__code="superhero", category="integration"
    )
    assert req.label.startswith("At least {count} solved integration tickets")
    req.count = 4
    req.full_clean()
    assert req.display_label.startswith("At least 4 solved integration tickets")


@pytest.mark.django_db
def test_a_written_label_that_still_says_the_old_number_is_refused(seeded):
    req = Requirement.objects.get(
        level__framework=seeded["support-formula"], level__code="superhero", kind="tenure"
    )
    req.label = "At least 24 months since joining"
    req.save()
    req.months = 30
    assert messages_of(req) == {
        "label": [
            "The label still says 24 but the months is now 30: write {months} in its place to "
            "keep the label in step, or clear the label to have it written for you."
        ]
    }
    req.label = ""
    req.full_clean()
    assert req.display_label == "At least 30 months since joining"


@pytest.mark.django_db
def test_a_competency_label_follows_the_proficiency_and_a_stale_name_is_refused(seeded):
    framework = seeded["whatfix-support"]
    req = Requirement.objects.get(
        level__framework=framework, level__code="S2", competency__slug="collaboration"
    )
    assert req.display_label == "Collaboration at Intermediate level or above"
    req.proficiency = framework.proficiency_levels.get(slug="advanced")
    req.full_clean()
    assert req.display_label == "Collaboration at Advanced level or above"
    req.proficiency = framework.proficiency_levels.get(slug="intermediate")
    req.label = "Collaboration at Intermediate level or above"  # written out by hand
    req.save()
    req.proficiency = framework.proficiency_levels.get(slug="beginner")
    assert messages_of(req)["label"][0].startswith(
        "The label still says Intermediate but the proficiency is now Beginner: write "
        "{proficiency} in its place"
    )


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("{foo} tickets", "{foo} is not a placeholder; a label may use {count}, {months}"),
        ("{{count}} tickets", "Write a placeholder with single braces, e.g. {count}."),
        ("At least {count} in {window_months} months",
         "This requirement has no window months for {window_months} to show."),
    ],
)  # fmt: skip
def test_a_label_placeholder_must_be_one_this_bar_can_fill(label, problem):
    req = Requirement(kind="evidence", evidence_kind="ticket", count=3, label=label)
    assert messages_of(req)["label"][0].startswith(problem)
