"""Seeded data against docs/source-documents: expectations are parsed from the text; hand-counted
totals guard against a parser that silently finds nothing."""

import re
from itertools import product
from pathlib import Path

import pytest
from django.utils.text import slugify

from frameworks import models as fm
from frameworks.models import Level, Requirement, Responsibility

DOCS = Path(__file__).resolve().parents[2] / "docs" / "source-documents"
FORMULA = (DOCS / "support-career-advancement-formula.txt").read_text(encoding="utf-8")
WHATFIX = (DOCS / "whatfix-customer-support-career-framework.txt").read_text(encoding="utf-8")
pytestmark = pytest.mark.django_db


def between(text, start, end=None):
    after = text.split(start, 1)[1]
    return after.split(end, 1)[0] if end else after


def pks(manager):
    return manager.values_list("pk", flat=True)


def level(framework, code):
    return Level.objects.get(framework=framework, code=code)


def bullet_texts(lvl, **filters):
    rows = Responsibility.objects.filter(area__level=lvl, **filters)
    return list(rows.order_by("area__order", "order", "id").values_list("text", flat=True))


def reqs(framework, code, **filters):
    return Requirement.objects.filter(level__framework=framework, level__code=code, **filters)


# --- Sample Support Career Advancement Formula -------------------------------------------------

HEADING = re.compile(r"^(?P<title>[A-Z][\w ]*?) \((?P<subtitle>[^)]+)\) - (?P<rest>.+)$")


def formula_sections():
    sections = []
    for line in FORMULA.splitlines():
        if m := HEADING.match(line):
            sections.append({**m.groupdict(), "code": slugify(m["title"]), "bullets": []})
            sections[-1]["text"] = line
        elif line.startswith("- "):
            sections[-1]["bullets"].append(line[2:])
            sections[-1]["text"] += "\n" + line
    return sections


def formula_bars(pattern):
    """(level code, match) for every match of `pattern` in the level sections."""
    return [(s["code"], m) for s in formula_sections() for m in re.finditer(pattern, s["text"])]


def test_formula_headings_are_levels_with_their_title_subtitle_and_entry_flag(seeded):
    sections = formula_sections()
    assert [s["code"] for s in sections] == ["hero", "superhero", "senior-superhero"]
    for s in sections:
        lvl = level(seeded["support-formula"], s["code"])
        assert (lvl.title, lvl.subtitle) == (s["title"], s["subtitle"])
        assert s["rest"] in (lvl.summary, lvl.perk_note)
        assert lvl.is_entry == ("Everyone starts here" in s["rest"])


def test_formula_bullets_are_the_responsibilities_verbatim_and_in_order(seeded):
    sections = formula_sections()
    assert [len(s["bullets"]) for s in sections] == [9, 7, 8]
    for s in sections:
        assert bullet_texts(level(seeded["support-formula"], s["code"])) == s["bullets"]


def test_formula_months_bars_are_tenure_requirements(seeded):
    bars = formula_bars(r"(\d+)\+ months")
    assert [(code, int(m[1])) for code, m in bars] == [("superhero", 24), ("senior-superhero", 36)]
    for code, m in bars:
        assert reqs(seeded["support-formula"], code, kind="tenure", months=int(m[1])).exists()


def test_formula_ticket_bars_are_ticket_evidence_per_category(seeded):
    keywords = {"integration": "integration", "scripting": "Scripting", "api": "API"}
    bars = formula_bars(r"(?:at least|Identify) (\d+) tickets")
    expected = set()
    for code, m in bars:
        start = m.string.rfind("\n", 0, m.start()) + 1
        bullet = m.string[start:].split("\n", 1)[0]
        [category] = [c for c, word in keywords.items() if word in bullet]
        expected.add((code, int(m[1]), category))
    assert len(bars) == len(expected) == 3
    found = Requirement.objects.filter(
        level__framework=seeded["support-formula"], kind="evidence", evidence_kind="ticket"
    ).values_list("level__code", "count", "category")
    assert set(found) == expected


def test_formula_documents_bar_is_document_evidence(seeded):
    [(code, m)] = formula_bars(r"(\d+) internal or external documents")
    rows = reqs(seeded["support-formula"], code, evidence_kind="document", count=int(m[1]))
    assert (code, rows.filter(kind="evidence").count()) == ("superhero", 1)


def test_formula_competency_exam_is_a_promotion_bar_and_a_wfh_condition(seeded):
    bars = formula_bars(r"(\d+) month competency exam")
    assert [(code, m[1]) for code, m in bars] == [("hero", "6"), ("superhero", "6")]
    category = {"6": "six-month"}[bars[0][1][1]]
    hero = level(seeded["support-formula"], "hero")
    wfh = hero.entitlements.get(kind="wfh_days_per_month")
    assert wfh.conditions.filter(kind="exam", category=category).exists()
    assert reqs(seeded["support-formula"], "superhero", kind="exam", category=category).exists()


def test_formula_wfh_days_are_entitlements_of_their_level(seeded):
    bars = formula_bars(r"WFH (\d+) days")
    expected = [("hero", 2), ("superhero", 4), ("senior-superhero", 6)]
    assert [(code, int(m[1])) for code, m in bars] == expected
    for code, m in bars:
        lvl = level(seeded["support-formula"], code)
        assert lvl.entitlements.filter(kind="wfh_days_per_month", value=int(m[1])).exists()


def test_formula_year_mark_is_a_tenure_condition_of_hero_wfh(seeded):
    [(code, m)] = formula_bars(r"(\d+) year mark")
    assert code == "hero"
    wfh = level(seeded["support-formula"], code).entitlements.get()
    assert wfh.conditions.filter(kind="tenure", months=12 * int(m[1])).count() == 1


def test_formula_expected_volume_is_a_volume_metric_of_at_least_100_percent(seeded):
    bars = formula_bars(r"On par with expected volume")
    assert [code for code, _ in bars] == ["superhero", "senior-superhero"]
    for code, _ in bars:
        rows = reqs(seeded["support-formula"], code, kind="metric", metric="volume_pct")
        assert rows.filter(comparison="gte", threshold=100).exists()


def test_formula_qa_and_liaison_are_attestations(seeded):
    bars = formula_bars(r"Can QA with minimal assistance|Liason with other departments")
    assert len(bars) == 2
    for code, m in bars:
        assert code == "senior-superhero"
        assert reqs(seeded["support-formula"], code, kind="attestation", source_text=m[0]).exists()


def test_formula_workarounds_to_confessions_is_workaround_evidence(seeded):
    [(code, _)] = formula_bars(r"workarounds to confessions")
    rows = reqs(seeded["support-formula"], code, kind="evidence", evidence_kind="workaround")
    assert rows.filter(source_text__contains="workarounds to confessions").exists()


def test_formula_take_escalations_are_escalation_evidence_per_category(seeded):
    bars = formula_bars(r"(?m)^- (\w+) can take escalations$")
    assert [m[1] for _, m in bars] == ["CSS", "API"]
    for code, m in bars:
        rows = reqs(seeded["support-formula"], code, kind="evidence", evidence_kind="escalation")
        assert rows.filter(category=m[1].lower()).exists()


# --- Whatfix Customer Support Career & Competency Frameworks ----------------------------------


def role_summaries():
    roles, current = {}, None
    text = between(WHATFIX, "\nROLE SUMMARIES\n", "\nROLE PROFILES\n")
    for line in (raw.strip() for raw in text.splitlines()):
        if m := re.match(r"^(S\d|SL\d) - (.+)$", line):
            current = roles[m[1]] = {"title": m[2], "summary": None, "areas": []}
        elif not line:
            continue
        elif m := re.match(r"^(\d\d) (.+)$", line):
            current["areas"].append((m[1], m[2], []))
        elif line.startswith("- "):
            current["areas"][-1][2].append(line[2:])
        elif current["summary"] is None:
            current["summary"] = line
        else:
            pytest.fail(f"Unparsed role summary line: {line!r}")
    return roles


def test_whatfix_career_table_codes_titles_and_tracks_are_levels(seeded):
    rows = [line.split("\t") for line in WHATFIX.splitlines() if "\t" in line][1:]
    cells = [(c[0], c[1], "ic") for c in rows] + [(c[2], c[3], "manager") for c in rows]
    table = [cell for cell in cells if cell[0]]
    assert [code for code, _, _ in table] == ["S0", "S1", "S2", "S3", "SL1", "SL2", "SL3", "SL4"]
    for code, title, track in table:
        lvl = level(seeded["whatfix-support"], code)
        assert (lvl.title, lvl.track.slug) == (title, track)


def test_whatfix_role_summaries_are_the_level_summaries(seeded):
    roles = role_summaries()
    assert list(roles) == ["S1", "S2", "S3", "SL1", "SL2", "SL3", "SL4"]
    for code, role in roles.items():
        lvl = level(seeded["whatfix-support"], code)
        assert (lvl.summary, lvl.summary_assumed) == (role["summary"], False)


def test_whatfix_role_areas_and_bullets_are_the_responsibilities_verbatim(seeded):
    roles = role_summaries()
    assert sum(len(r["areas"]) for r in roles.values()) == 23
    assert sum(len(a[2]) for r in roles.values() for a in r["areas"]) == 61
    for code, role in roles.items():
        lvl = level(seeded["whatfix-support"], code)
        areas = lvl.areas.filter(assumed=False).order_by("order", "id")
        assert [(a.number, a.title) for a in areas] == [(n, t) for n, t, _ in role["areas"]]
        for area, (_, _, bullets) in zip(areas, role["areas"], strict=True):
            assert bullet_texts(lvl, area=area, assumed=False) == bullets


def test_whatfix_competencies_have_the_document_names_and_definitions(seeded):
    text = between(WHATFIX, "Customer Support Competency Framework\n", "[Click Here]")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    expected = list(zip(lines[::2], lines[1::2], strict=True))
    competencies = seeded["whatfix-support"].competencies.order_by("order", "id")
    assert [(c.name, c.definition) for c in competencies] == expected
    assert len(expected) == 5
    assert [c.slug for c in competencies] == [slugify(name) for name, _ in expected]


def test_whatfix_proficiency_levels_follow_the_document_in_rank_order(seeded):
    names = re.search(r"\*\*(.+?)\*\* proficiency levels", WHATFIX)[1].split(" >> ")
    levels = seeded["whatfix-support"].proficiency_levels.order_by("rank")
    assert [p.slug for p in levels] == ["beginner", "intermediate", "advanced"]
    # The document spells the top level "Advance"; the data says "Advanced".
    assert all(p.name.startswith(n) for p, n in zip(levels, names, strict=True))


def test_whatfix_every_level_requires_every_competency_as_an_assumption(seeded):
    framework = seeded["whatfix-support"]
    rows = fm.RequiredProficiency.objects.filter(level__framework=framework)
    pairs = set(rows.values_list("level_id", "competency_id"))
    assert pairs == set(product(pks(framework.levels), pks(framework.competencies)))
    assert len(pairs) == 8 * 5 and not rows.filter(assumed=False).exists()


def test_whatfix_every_competency_has_assumed_indicators_at_each_proficiency(seeded):
    framework = seeded["whatfix-support"]
    rows = fm.BehaviouralIndicator.objects.filter(competency__framework=framework)
    found = set(rows.values_list("competency_id", "proficiency_id"))
    assert found == set(product(pks(framework.competencies), pks(framework.proficiency_levels)))
    assert not rows.filter(assumed=False).exists()


def test_whatfix_has_no_tenure_bars_and_every_later_level_has_a_requirement(seeded):
    assert "not based on tenure" in WHATFIX
    framework = seeded["whatfix-support"]
    kinds = Requirement.objects.filter(level__framework=framework).values_list("kind", flat=True)
    assert not {"tenure", "time_in_level"} & set(kinds)
    assert not Requirement.objects.filter(entitlement__level__framework=framework).exists()
    for lvl in framework.levels.filter(is_entry=False):
        assert lvl.requirements.exists(), lvl.code


def test_whatfix_faq_questions_and_answers_are_notes(seeded):
    faq, current = {}, None
    for line in (raw.strip() for raw in between(WHATFIX, "\nFAQ\n").splitlines()):
        if line.endswith("?"):
            current = faq[line] = []
        elif line.startswith("FAQ - ") or line == "Thank you!":
            current = None
        elif line and current is not None:
            current.append(line)
    assert len(faq) == 3
    notes = {n.title: n.body for n in seeded["whatfix-support"].notes.filter(section="faq")}
    for question, answer in faq.items():
        assert notes[question] == "\n\n".join(answer)


def test_whatfix_principle_bullets_are_notes_of_their_section(seeded):
    sections = {
        "OBJECTIVE": "objective",
        "Career Framework": "career-framework",
        "Roles Profiles": "role-profiles",
        "Competency Framework": "competency-framework",
    }
    expected, section = [], None
    text = WHATFIX[WHATFIX.index("\nOBJECTIVE\n") : WHATFIX.index("\nCAREER FRAMEWORK\n")]
    for line in text.splitlines():
        if m := re.match(r"^\s*- (.+)$", line):
            expected.append((section, m[1]))
        elif line.strip():
            section = sections[line.strip()]
    assert len(expected) == 19
    notes = set(seeded["whatfix-support"].notes.values_list("section", "body"))
    assert set(expected) <= notes


def test_whatfix_intern_level_is_marked_assumed(seeded):
    assert "S0" not in role_summaries()
    s0 = level(seeded["whatfix-support"], "S0")
    assert s0.summary_assumed and s0.is_entry
    assert not s0.areas.filter(assumed=False).exists()
    assert bullet_texts(s0, assumed=False) == []


@pytest.mark.parametrize(
    ("slug", "document"), [("support-formula", FORMULA), ("whatfix-support", WHATFIX)]
)
def test_every_text_not_marked_assumed_occurs_in_the_document(seeded, slug, document):
    framework = seeded[slug]
    levels = framework.levels.all()
    texts = [n.body for n in framework.notes.filter(assumed=False)]
    texts += [lvl.title for lvl in levels] + [lvl.subtitle for lvl in levels]
    texts += [lvl.summary for lvl in levels.filter(summary_assumed=False)]
    texts += [c.definition for c in framework.competencies.filter(assumed=False)]
    for rows in (
        Responsibility.objects.filter(area__level__framework=framework, assumed=False),
        Requirement.objects.filter(level__framework=framework, assumed=False),
        Requirement.objects.filter(entitlement__level__framework=framework, assumed=False),
        fm.Entitlement.objects.filter(level__framework=framework, assumed=False),
    ):
        field = "text" if rows.model is Responsibility else "source_text"
        texts += list(rows.values_list(field, flat=True))
    missing = [text for text in texts if text not in document]
    assert missing == []
