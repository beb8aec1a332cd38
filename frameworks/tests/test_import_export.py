"""import_framework / export_framework: round trips, new draft versions, and bad files."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from frameworks.models import Framework, Requirement
from frameworks.services import framework_clone, framework_publish
from frameworks.tests.test_yaml_format import MINIMAL
from frameworks.yaml_format import parse_framework_yaml

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "frameworks"


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count() for m in apps.get_app_config("frameworks").get_models()
    }


def export(slug: str, version: int | None = None) -> str:
    out = io.StringIO()
    args = [slug] if version is None else [slug, "--framework-version", str(version)]
    call_command("export_framework", *args, stdout=out)
    return out.getvalue()


def import_text(text: str, monkeypatch) -> str:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    out = io.StringIO()
    call_command("import_framework", "-", stdout=out)
    return out.getvalue()


def without_version_and_status(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(("version:", "status:"))]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_frameworks", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [(), ("--update",)])
def test_seed_frameworks_twice_changes_nothing(seeded, args):
    before = row_counts()
    out = seed(*args)
    assert row_counts() == before
    if args:
        assert "support-formula v1: unchanged: the newest version has the seed's content" in out
    else:
        assert "whatfix-support v1: already installed (newest v1, published); left alone." in out


@pytest.mark.django_db
def test_seed_frameworks_after_hr_publishes_changes_nothing_and_says_so(seeded):
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    Requirement.objects.filter(level__framework=draft, months=24).update(months=30)
    framework_publish(framework=draft, actor=None)
    before = row_counts()
    assert "support-formula v2: already installed (newest v2, published); left alone." in seed()
    assert row_counts() == before
    # HR is working on a draft: --update leaves it alone.
    draft = framework_clone(framework=draft, actor=None)
    Requirement.objects.filter(level__framework=draft, months=30).update(months=33)
    assert "support-formula v3: HR's draft v3 is open: not touched." in seed("--update")
    framework_publish(framework=draft, actor=None)
    # Then --update offers the seed beside HR's version, once.
    assert "support-formula v4: new draft with the seed's content" in seed("--update")
    assert "support-formula v4: unchanged" in seed("--update")
    published = Framework.objects.get(slug="support-formula", status="published")
    assert published.version == 3
    assert Requirement.objects.filter(level__framework=published, months=33).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["support-formula", "whatfix-support"])
def test_export_of_a_seed_is_the_fixture_file_itself(seeded, slug):
    assert export(slug) == (FIXTURES / f"{slug}.yaml").read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["support-formula", "whatfix-support"])
def test_export_import_export_round_trips_into_a_new_draft(seeded, slug, monkeypatch):
    first = export(slug)
    message = import_text(first, monkeypatch)
    assert f"Imported {slug} as draft version 2" in message
    draft = Framework.objects.get(slug=slug, version=2)
    assert draft.status == Framework.Status.DRAFT
    assert Framework.objects.get(slug=slug, version=1).status == Framework.Status.PUBLISHED
    second = export(slug, version=2)
    assert without_version_and_status(second) == without_version_and_status(first)
    assert "version: 2\nstatus: draft\n" in second


@pytest.mark.django_db
def test_import_of_a_new_slug_creates_a_draft_of_the_file_version(monkeypatch):
    import_text(MINIMAL, monkeypatch)
    framework = Framework.objects.get(slug="tiny")
    assert (framework.version, framework.status) == (1, "draft")
    one = framework.levels.get(code="one")
    assert [lvl.code for lvl in one.next_levels.all()] == ["two"]


@pytest.mark.django_db
def test_seed_with_changed_content_adds_a_draft_and_keeps_the_published_version(
    seeded, monkeypatch, tmp_path
):
    changed = (FIXTURES / "support-formula.yaml").read_text().replace("months: 24", "months: 30")
    (tmp_path / "support-formula.yaml").write_text(changed)
    monkeypatch.setattr(
        "frameworks.management.commands.seed_frameworks.SEED_DIR", tmp_path, raising=True
    )
    assert "support-formula v1: already installed" in seed()
    assert "support-formula v2: new draft" in seed("--update")
    published = Framework.objects.get(slug="support-formula", status="published")
    assert published.version == 1
    assert Requirement.objects.filter(level__framework=published, months=24).exists()


BAD_FILES = {
    "unknown key": (
        MINIMAL.replace("    rank: 2\n", "    rank: 2\n    colour: red\n"),
        "levels[two]: unknown key 'colour'",
    ),
    "missing level": (
        MINIMAL.replace("next_levels: [two]", "next_levels: [three]"),
        "levels[one].next_levels: 'three' is not defined in this file (known: one, two).",
    ),
    "missing builds_on level": (
        MINIMAL.replace("    rank: 2\n", "    rank: 2\n    builds_on: zero\n"),
        "levels[two].builds_on: 'zero' is not defined in this file",
    ),
    "requirement without its parameters": (
        MINIMAL.replace("        months: 24\n", ""),
        "levels[two].requirements[0]: months: Required for a “tenure (months since hire)” "
        "requirement.",
    ),
    "requirement with a parameter of another kind": (
        MINIMAL.replace("        months: 24\n", "        months: 24\n        count: 3\n"),
        "levels[two].requirements[0]: count: Not used by a “tenure (months since hire)” "
        "requirement; leave it empty.",
    ),
    "unknown requirement kind": (
        MINIMAL.replace("kind: tenure", "kind: vibes"),
        "levels[two].requirements[0]: kind: Value 'vibes' is not a valid choice.",
    ),
    "cycle in next levels": (
        MINIMAL.replace("    rank: 2\n", "    rank: 2\n    next_levels: [one]\n"),
        "levels: next_levels form a cycle: one -> two -> one.",
    ),
    "duplicate level code": (
        MINIMAL.replace("code: two", "code: one").replace("next_levels: [two]", ""),
        "levels: code 'one' appears more than once.",
    ),
    "invalid yaml": ("format: careerpath-framework/1\nslug: [broken\n", "Invalid YAML at line"),
    "unknown track": (
        MINIMAL.replace("    track: support\n    rank: 2", "    track: managers\n    rank: 2"),
        "levels[two].track: 'managers' is not defined in this file (known: support).",
    ),
}

TENURE = """\
      - kind: tenure
        months: 24
"""

GROUP = """\
      - kind: group
        code: skills
        count: 3
        members:
          - kind: tenure
            months: 12
          - kind: time_in_level
            months: 6
"""
PROFICIENCIES = """\
proficiency_levels:
  - slug: beginner
    name: Beginner
  - slug: advanced
    name: Advanced
competencies:
  - slug: drive
    name: Drive
"""

BAD_FILES.update({
    "a group asking for more than it has": (
        MINIMAL.replace(TENURE, GROUP),
        "levels[two].requirements[0]: asks for any 3 of 2 member(s); a group needs at least "
        "as many members as it asks for.",
    ),
    "members under a requirement that is not a group": (
        MINIMAL.replace(TENURE, TENURE + "        members:\n          - kind: tenure\n"
                        "            months: 1\n"),
        "levels[two].requirements[0].members: only a “group” requirement has members.",
    ),
    "a group inside a group": (
        MINIMAL.replace(TENURE, GROUP.replace("count: 3", "count: 1").replace(
            "          - kind: time_in_level\n            months: 6\n",
            "          - kind: group\n            code: inner\n            count: 1\n")),
        "levels[two].requirements[0].members[1]: kind: A member of a group cannot itself be a "
        "group.",
    ),
    "an unknown evidence window": (
        MINIMAL.replace(TENURE, "      - kind: evidence\n        evidence_kind: ticket\n"
                        "        count: 3\n        window: forever\n"),
        "levels[two].requirements[0]: window: Value 'forever' is not a valid choice.",
    ),
    "a trailing window without its months": (
        MINIMAL.replace(TENURE, "      - kind: evidence\n        evidence_kind: ticket\n"
                        "        count: 3\n        window: trailing\n"),
        "levels[two].requirements[0]: window_months: Say how many trailing months count.",
    ),
    "a metric nobody defined": (
        MINIMAL.replace(TENURE, "      - kind: metric\n        metric: nps\n"
                        "        threshold: 50\n        window_months: 3\n"),
        "levels[two].requirements[0]: metric: “nps” is not a defined metric",
    ),
    "a metric definition with an unknown direction": (
        MINIMAL.replace("tracks:", "metrics:\n  - slug: qa_pct\n    name: QA\n"
                        "    direction: sideways\ntracks:"),
        "metrics[qa_pct]: direction: Value 'sideways' is not a valid choice.",
    ),
    "weights that are not numbers": (
        MINIMAL.replace(TENURE, "      - kind: points\n        count: 5\n"
                        "        points_source: evidence\n        weights: {ticket: lots}\n"),
        "levels[two].requirements[0].weights.ticket: must be a number, got 'lots'.",
    ),
    "a required proficiency falling along builds_on": (
        MINIMAL.replace("tracks:", PROFICIENCIES + "tracks:")
        .replace("    rank: 1\n", "    rank: 1\n    required_proficiencies:\n"
                 "      - competency: drive\n        proficiency: advanced\n")
        .replace("    rank: 2\n", "    rank: 2\n    builds_on: one\n    required_proficiencies:\n"
                 "      - competency: drive\n        proficiency: beginner\n"),
        "levels[two].required_proficiencies[drive]: Beginner is below the Advanced that one, "
        "which it builds on, requires; required proficiency never falls along builds_on.",
    ),
    "an infinite weight": (
        MINIMAL.replace(TENURE, "      - kind: points\n        count: 5\n"
                        "        points_source: evidence\n        weights: {ticket: .inf}\n"),
        "levels[two].requirements[0].weights.ticket: must be a number, got inf.",
    ),
    "a metric that means the opposite here": (
        MINIMAL.replace("tracks:", "metrics:\n  - slug: unplanned_absence_pct\n"
                        "    name: Absence\n    direction: higher\ntracks:"),
        "metrics[unplanned_absence_pct].direction: this installation defines "
        "“unplanned_absence_pct” with direction 'lower', the file says 'higher'",
    ),
    "a milestone month twice": (
        MINIMAL.replace("tracks:", "milestones:\n  - months: 6\n    subject: A\n"
                        "  - months: 6\n    subject: B\ntracks:"),
        "milestones: months 6 appears more than once.",
    ),
})  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_bad_file_is_rejected_with_its_place_and_changes_nothing(seeded, monkeypatch, case):
    text, expected = BAD_FILES[case]
    before = row_counts()
    with pytest.raises(CommandError) as info:
        import_text(text, monkeypatch)
    assert expected in str(info.value)
    assert "not imported" in str(info.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_bad_file_for_an_existing_slug_changes_nothing(seeded, monkeypatch):
    text = export("support-formula").replace("months: 36", "months: -1")
    before = row_counts()
    with pytest.raises(CommandError, match="must be a whole number of 0 or more, got -1"):
        import_text(text, monkeypatch)
    assert row_counts() == before


def test_import_of_a_missing_file_says_so():
    with pytest.raises(CommandError, match="nope.yaml: no such file"):
        call_command("import_framework", "nope.yaml")


def test_import_of_a_non_utf8_file_says_so(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("import_framework", str(path))


@pytest.mark.django_db
def test_export_of_an_unknown_slug_names_the_known_ones(seeded):
    with pytest.raises(CommandError, match="No framework nope. Known slugs: support-formula, "):
        export("nope")


RICH = MINIMAL.replace("tracks:", PROFICIENCIES + """\
metrics:
  - slug: qa_score_pct
    name: QA score
    unit: "%"
    aggregation: minimum
milestones:
  - months: 6
    subject: Half a year in
tracks:""").replace(TENURE, """\
      - kind: group
        code: skills
        count: 1
        label: 3 advanced tasks, or 2 badges and 1 secondary
        members:
          - kind: evidence
            evidence_kind: demonstration
            category: advanced
            count: 3
          - kind: points
            count: 3
            points_source: evidence
            weights: {qa/badge: 1, demonstration/secondary: 1}
      - kind: attestation
        code: ready
        label: Ready for the next level
        valid_months: 12
      - kind: metric
        metric: qa_score_pct
        threshold: 92.5
        window_months: 6
      - kind: evidence
        evidence_kind: initiative
        count: 1
        window: level
      - kind: points
        count: 4
        points_source: ratings
        weights: {drive: 2}
    entitlements:
      - kind: learning_budget_per_year
        value: 1500
        unit: EUR a year
        conditions:
          - kind: tenure
            months: 12
""")  # fmt: skip


@pytest.mark.django_db
def test_every_construct_survives_import_and_export(seeded, monkeypatch):
    import_text(RICH, monkeypatch)
    first = export("tiny")
    data = parse_framework_yaml(first)
    two = data["levels"][1]
    group, attestation, metric, evidence, points = two["requirements"]
    assert [m["kind"] for m in group["members"]] == ["evidence", "points"]
    assert group["members"][1]["weights"] == {"demonstration/secondary": 1, "qa/badge": 1}
    assert (attestation["valid_months"], metric["threshold"], evidence["window"]) == (
        12, Decimal("92.5"), "level",
    )  # fmt: skip
    assert points["weights"] == {"drive": 2}
    assert two["entitlements"][0]["unit"] == "EUR a year"
    assert data["metrics"][0]["aggregation"] == "minimum"
    assert data["milestones"] == [
        {"months": 6, "subject": "Half a year in", "body": "", "assumed": False}
    ]
    framework_publish(framework=Framework.objects.get(slug="tiny"), actor=None)
    import_text(first, monkeypatch)
    assert export("tiny", 2) == first.replace("version: 1", "version: 2")  # byte for byte
