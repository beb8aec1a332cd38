"""import_framework / export_framework: round trips, new draft versions, and bad files."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from frameworks.models import Framework, Requirement
from frameworks.tests.test_yaml_format import MINIMAL

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


@pytest.mark.django_db
def test_seed_frameworks_twice_changes_nothing(seeded):
    before = row_counts()
    out = io.StringIO()
    call_command("seed_frameworks", stdout=out)
    assert row_counts() == before
    assert "support-formula v1: unchanged" in out.getvalue()
    assert "whatfix-support v1: unchanged" in out.getvalue()


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
    out = io.StringIO()
    call_command("seed_frameworks", stdout=out)
    assert "support-formula v2: new draft" in out.getvalue()
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
