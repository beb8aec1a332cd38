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


# Area titles the data adds to name a part of a level's role profile. They are not the
# document's words (the document runs them on in one bullet, or has no heading at all), so
# they stand for no words of it. Listed by name, so that no other title is ever skipped.
ADDED_TITLES = {
    "Role profile", "Documents", "Competency exam", "Strategic initiatives", "Time", "QA",
    "Other departments",
}  # fmt: skip


def title_words(title: str) -> str:
    """The document's words an area title stands for.

    A skill area is titled "Skill: Grade". The document runs the two words on without the
    colon, grade last for "Integrations Proficient" and "Integrations Expert" but grade
    first for "Basic Custom Scripting/Javascript" and "Basic CSS/HTML".
    """
    if ": " not in title:
        return title
    skill, grade = title.split(": ", 1)
    return f"{grade} {skill}" if grade == "Basic" else f"{skill} {grade}"


def stored_words(lvl) -> tuple[list[str], set[str]]:
    """A level's stored text in reading order (each area's title, as the document's words,
    then its responsibilities), and the added titles that stand for no words."""
    pieces, added = [], set()
    for area in lvl.areas.order_by("order", "id").prefetch_related("responsibilities"):
        if area.assumed or area.title in ADDED_TITLES:
            added.add(area.title)
        else:
            pieces.append(title_words(area.title))
        pieces += [r.text for r in area.responsibilities.order_by("order", "id")]
    return pieces, added


def normalised(texts) -> str:
    return " ".join(" ".join(texts).split())


def test_formula_bullets_are_the_responsibilities_verbatim_and_in_order(seeded):
    """Every word of every bullet is in the data, in order, and nothing else is.

    The bullets run several of the document's skill areas together ("... survey world
    Integrations Proficient Can identify at least 3 tickets ..."); the data splits them
    into areas whose titles are the run-on words. Joined again, title then
    responsibilities, they are the document's text exactly.
    """
    sections = formula_sections()
    assert [len(s["bullets"]) for s in sections] == [9, 7, 8]  # the document's shape
    added = set()
    for s in sections:
        pieces, level_added = stored_words(level(seeded["support-formula"], s["code"]))
        assert normalised(pieces) == normalised(s["bullets"]), s["code"]
        added |= level_added
    assert added == ADDED_TITLES  # the list names no title the data does not have


def test_formula_integration_bar_has_its_confirmations_beside_it(seeded):
    bullet = next(b for b in formula_sections()[1]["bullets"] if "Integrations Proficient" in b)
    spoken = ["They can talk through what the problem was, and how they fixed it.",
              "Knows when to suggest HTTP Connect as an option"]  # fmt: skip
    assert all(words in bullet for words in spoken)
    superhero = level(seeded["support-formula"], "superhero")
    area = superhero.areas.get(title="Integrations: Proficient")
    texts = list(area.responsibilities.order_by("order").values_list("text", flat=True))
    assert texts[1:] == spoken
    rows = list(superhero.requirements.filter(parent=None).order_by("order", "id"))
    [bar] = [i for i, r in enumerate(rows) if (r.kind, r.category) == ("evidence", "integration")]
    beside = rows[bar + 1 : bar + 3]
    assert [(r.kind, r.source_text) for r in beside] == [("attestation", w) for w in spoken]
    assert all(r.code and not r.assumed for r in beside)


def test_formula_hero_attendance_and_satisfaction_are_assumed_metric_bars_above_hero(seeded):
    hero = formula_sections()[0]["bullets"]
    [attendance] = [b for b in hero if b.startswith("Good attendance")]
    [satisfaction] = [b for b in hero if "customer satisfaction" in b]
    bars = [(attendance, "unplanned_absence_pct", "lte"), (satisfaction, "csat_pct", "gte")]
    for code in ("superhero", "senior-superhero"):
        for text, metric, comparison in bars:
            rows = reqs(seeded["support-formula"], code, kind="metric", source_text=text)
            assert list(rows.values_list("metric", "comparison", "assumed")) == [
                (metric, comparison, True)
            ], (code, metric)
    assert not reqs(seeded["support-formula"], "hero").exists()


def test_formula_senior_superhero_evidence_counts_since_the_start_of_the_level(seeded):
    rows = reqs(seeded["support-formula"], "senior-superhero", kind="evidence")
    assert rows.count() == 5
    assert set(rows.values_list("window", flat=True)) == {"level"}


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


def test_whatfix_sl1_asks_no_less_than_s3_and_is_reached_from_s2_and_s3(seeded):
    framework = seeded["whatfix-support"]

    def required(code):
        rows = fm.RequiredProficiency.objects.filter(level__framework=framework, level__code=code)
        return dict(rows.values_list("competency__slug", "proficiency__rank"))

    s3, sl1 = required("S3"), required("SL1")
    assert set(s3) == set(sl1) == set(framework.competencies.values_list("slug", flat=True))
    assert all(sl1[slug] >= s3[slug] for slug in s3), (s3, sl1)
    bars = dict(reqs(framework, "SL1", kind="competency").values_list(
        "competency__slug", "proficiency__rank"))  # fmt: skip
    assert bars == sl1
    assert level(framework, "SL1").builds_on.code == "S3"
    for code in ("S2", "S3"):
        assert "SL1" in level(framework, code).next_levels.values_list("code", flat=True), code


def test_whatfix_each_senior_manager_level_has_a_confirmation_of_its_own(seeded):
    framework = seeded["whatfix-support"]
    rows = Requirement.objects.filter(level__framework=framework, kind="attestation")
    codes = {}
    for code, attestation in rows.values_list("level__code", "code"):
        codes.setdefault(code, set()).add(attestation)
    for code in ("SL2", "SL3", "SL4"):
        elsewhere = set().union(*(v for k, v in codes.items() if k != code))
        assert codes[code] - elsewhere, code


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
    # Area titles, as the document's words (see title_words); the titles the data adds
    # (ADDED_TITLES) stand for no words of it.
    areas = fm.ResponsibilityArea.objects.filter(level__framework=framework, assumed=False)
    texts += [
        title_words(title)
        for title in areas.values_list("title", flat=True)
        if title not in ADDED_TITLES
    ]
    missing = [text for text in texts if text not in document]
    assert missing == []
