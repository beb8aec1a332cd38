"""Reads of frameworks."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, Q

from . import kinds
from .models import (
    BehaviouralIndicator,
    Competency,
    Entitlement,
    EvidenceCategory,
    Framework,
    FrameworkMilestone,
    Level,
    MetricDefinition,
    ProficiencyLevel,
    RequiredProficiency,
    Requirement,
    ResponsibilityArea,
    Track,
)


def published_framework_get(*, slug: str) -> Framework | None:
    return Framework.objects.filter(slug=slug, status=Framework.Status.PUBLISHED).first()


def latest_framework_get(*, slug: str) -> Framework | None:
    return Framework.objects.filter(slug=slug).order_by("-version").first()


def level_rules_prefetches() -> list[Prefetch]:
    """Prefetches that put a level's requirements and its entitlements with their
    conditions in memory (three queries for any number of levels), in HR's order."""
    requirements = Requirement.objects.select_related("competency", "proficiency").order_by(
        "order", "id"
    )
    return [
        Prefetch("requirements", queryset=requirements),
        Prefetch(
            "entitlements",
            queryset=Entitlement.objects.prefetch_related(
                Prefetch("conditions", queryset=requirements)
            ),
        ),
    ]


def _rows_text_sql(model, where: str) -> str:
    """SQL for one text holding every column of `model`'s rows matching `where` (alias t),
    in id order; on PostgreSQL its MD5, so only 32 characters travel."""
    qn = connection.ops.quote_name
    columns = " || '\x1f' || ".join(
        f"COALESCE(CAST(t.{qn(field.column)} AS TEXT), '\\N')"
        for field in model._meta.local_concrete_fields
    )
    table = qn(model._meta.db_table)
    if connection.vendor == "postgresql":
        return f"SELECT md5(string_agg({columns}, '|' ORDER BY t.id)) FROM {table} t WHERE {where}"
    return (
        f"SELECT group_concat(x, '|') FROM "
        f"(SELECT {columns} AS x FROM {table} t WHERE {where} ORDER BY t.id)"
    )


def rules_fingerprint(*, framework_ids) -> tuple:
    """Every column of every row that the rules of these framework versions are built from
    (the versions, tracks, levels and their next levels, requirements, perks, competencies,
    proficiency scales, and the metric definitions all frameworks share), in one query,
    as a value that differs whenever any of them differs.

    Read by the database each time, so an edit made anywhere (another process, the admin,
    a shell's `update()`, which sends no signal and leaves no audit row) changes it. Cheap:
    the database reads a few hundred small rows; no model is built in Python."""
    ids = ",".join(str(int(pk)) for pk in sorted(framework_ids)) or "NULL"
    levels = f"SELECT id FROM {Level._meta.db_table} WHERE framework_id IN ({ids})"
    perks = f"SELECT id FROM {Entitlement._meta.db_table} WHERE level_id IN ({levels})"
    req_table = Requirement._meta.db_table
    requirements = f"level_id IN ({levels}) OR entitlement_id IN ({perks})"
    parts = [
        (Framework, f"t.id IN ({ids})"),
        (Track, f"t.framework_id IN ({ids})"),
        (Level, f"t.framework_id IN ({ids})"),
        (Level.next_levels.through, f"t.from_level_id IN ({levels})"),
        (Entitlement, f"t.level_id IN ({levels})"),
        (Requirement, requirements),
        # A requirement's competency and proficiency are read with it, whichever framework.
        (
            Competency,
            f"t.framework_id IN ({ids}) OR t.id IN "
            f"(SELECT competency_id FROM {req_table} WHERE {requirements})",
        ),
        (
            ProficiencyLevel,
            f"t.framework_id IN ({ids}) OR t.id IN "
            f"(SELECT proficiency_id FROM {req_table} WHERE {requirements})",
        ),
        (MetricDefinition, "1 = 1"),
    ]
    sql = "SELECT " + ", ".join(f"({_rows_text_sql(model, where)})" for model, where in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def metric_specs() -> dict[str, kinds.MetricSpec]:
    """Every metric definition as the rules see it (one query)."""
    return {m.slug: m.as_spec() for m in MetricDefinition.objects.all()}


def _top_level_and_members(requirements) -> list[tuple[Requirement, list[Requirement]]]:
    """Requirements in HR's order, each group with its members (already in memory)."""
    members = defaultdict(list)
    for req in requirements:
        if req.parent_id is not None:
            members[req.parent_id].append(req)
    return [(req, members[req.pk]) for req in requirements if req.parent_id is None]


def _specs(requirements, level_code: str, metrics) -> tuple[kinds.RuleSpec, ...]:
    return tuple(
        kinds.spec_from_requirement(
            req,
            level_code=level_code,
            metrics=metrics,
            members=[
                kinds.spec_from_requirement(m, level_code=level_code, metrics=metrics)
                for m in group
            ],
        )
        for req, group in _top_level_and_members(requirements)
    )


@dataclass(frozen=True)
class EntitlementSpec:
    kind: str
    value: int
    unit: str
    label: str
    conditions: tuple[kinds.RuleSpec, ...]

    def __str__(self):
        return self.label


@dataclass(frozen=True)
class LevelRules:
    """A level's bars and perks as frozen specs: what the pure rules evaluate."""

    requirements: tuple[kinds.RuleSpec, ...]
    entitlements: tuple[EntitlementSpec, ...]


def level_rules(levels, *, metrics: dict | None = None) -> dict[int, LevelRules]:
    """Frozen rule specs for levels loaded with `level_rules_prefetches()`, built once
    per level (no queries but the metric definitions, when not given)."""
    if metrics is None:
        metrics = metric_specs()
    return {
        level.pk: LevelRules(
            requirements=_specs(level.requirements.all(), level.code, metrics),
            entitlements=tuple(
                EntitlementSpec(
                    kind=e.kind,
                    value=e.value,
                    unit=e.unit,
                    label=str(e),
                    conditions=_specs(e.conditions.all(), level.code, metrics),
                )
                for e in level.entitlements.all()
            ),
        )
        for level in levels
    }


def evidence_categories(*, framework_id: int) -> dict[str, list[tuple[str, str]]]:
    """evidence kind -> [(category slug, name)] people of this framework may choose (two
    queries): the declared categories, then any other that a requirement, a group option,
    a perk's condition or a points weight counts."""
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for c in EvidenceCategory.objects.filter(framework_id=framework_id):
        table[c.evidence_kind][c.slug] = c.name
    used = Requirement.objects.filter(
        Q(level__framework_id=framework_id) | Q(entitlement__level__framework_id=framework_id)
    ).values_list("kind", "evidence_kind", "category", "weights")
    for kind, evidence_kind, category, weights in used:
        if kind == "exam":
            evidence_kind = "exam"
        if evidence_kind and category:
            table[evidence_kind].setdefault(category, category.replace("-", " "))
        for key in (weights or {}) if kind == "points" else ():
            weight_kind, _, weight_category = str(key).partition("/")
            if weight_category:
                table[weight_kind].setdefault(weight_category, weight_category.replace("-", " "))
    return {kind: list(categories.items()) for kind, categories in table.items()}


def category_problem(
    categories: dict[str, dict[str, str]], *, evidence_kind: str, category: str
) -> str | None:
    """Why `category` cannot be given to evidence of this kind, from `evidence_categories`
    as kind -> {slug: name}; None when it can. No category is always fine (the item counts
    only where a bar asks for any)."""
    if not category:
        return None
    allowed = categories.get(evidence_kind, {})
    if category in allowed:
        return None
    if not allowed:
        return (
            f"Evidence of this kind has no categories in your framework: leave the category "
            f"empty (not “{category}”)."
        )
    return f"“{category}” is not a category of this kind; choose one of: {', '.join(allowed)}."


def evidence_category_problem(
    *, framework_id: int, evidence_kind: str, category: str
) -> str | None:
    """`category_problem` for one framework, read from the database (two queries)."""
    if not category:
        return None
    table = {k: dict(v) for k, v in evidence_categories(framework_id=framework_id).items()}
    return category_problem(table, evidence_kind=evidence_kind, category=category)


def framework_guard_warnings(*, framework: Framework) -> list[str]:
    """Levels whose bars are no harder than those of a level that leads to them.

    Someone just promoted to the lower level would already qualify for the
    higher one the same day. Checked by the registry's `implied_by` per kind,
    so it reads the bars, not anyone's data (a few queries).
    """
    levels = list(
        Level.objects.filter(framework=framework)
        .prefetch_related("next_levels", *level_rules_prefetches())
        .order_by("rank", "order", "id")
    )
    rules = level_rules(levels)
    warnings = []
    for lower in levels:
        for higher in lower.next_levels.all():
            if not rules[higher.pk].requirements:
                warnings.append(
                    f"{higher.code} has no requirements: everyone at {lower.code} already meets it."
                )
            elif kinds.level_is_no_harder(
                rules[higher.pk].requirements, rules[lower.pk].requirements
            ):
                warnings.append(
                    f"{higher.code} asks nothing that {lower.code} did not: someone just "
                    f"promoted to {lower.code} would already meet every requirement for "
                    f"{higher.code}."
                )
    return warnings


def milestones_by_framework(*, framework_ids) -> dict[int, list[FrameworkMilestone]]:
    """framework id -> its milestones by month (one query)."""
    table = defaultdict(list)
    for milestone in FrameworkMilestone.objects.filter(framework_id__in=framework_ids):
        table[milestone.framework_id].append(milestone)
    return table


def _requirement_dict(req: Requirement, members=None) -> dict:
    """A requirement in the file's shape; a top-level one (members given) lists its members."""
    data = {
        "kind": req.kind,
        "label": req.label,
        "code": req.code,
        "months": req.months,
        "count": req.count,
        "evidence_kind": req.evidence_kind,
        "category": req.category,
        "window": req.window,
        "window_months": req.window_months,
        "metric": req.metric,
        "comparison": req.comparison,
        "threshold": req.threshold,
        "competency": req.competency.slug if req.competency_id else "",
        "proficiency": req.proficiency.slug if req.proficiency_id else "",
        "valid_months": req.valid_months,
        "points_source": req.points_source,
        "weights": {k: Decimal(str(v)) for k, v in (req.weights or {}).items()},
        "source_text": req.source_text,
        "assumed": req.assumed,
    }
    if members is not None:
        data["members"] = [_requirement_dict(m) for m in members]
    return data


def _requirement_dicts(requirements) -> list[dict]:
    return [_requirement_dict(req, group) for req, group in _top_level_and_members(requirements)]


def framework_as_dict(*, framework: Framework) -> dict:
    """The whole framework in the YAML format's normalised shape (a constant number of queries)."""
    levels = (
        Level.objects.filter(framework=framework)
        .select_related("track", "builds_on")
        .prefetch_related(
            Prefetch("next_levels", queryset=Level.objects.order_by("order", "rank", "id")),
            Prefetch(
                "areas",
                queryset=ResponsibilityArea.objects.prefetch_related("responsibilities"),
            ),
            Prefetch(
                "required_proficiencies",
                queryset=RequiredProficiency.objects.select_related("competency", "proficiency"),
            ),
            *level_rules_prefetches(),
        )
        .order_by("order", "rank", "id")
    )
    competencies = Competency.objects.filter(framework=framework).prefetch_related(
        Prefetch(
            "indicators",
            queryset=BehaviouralIndicator.objects.select_related("proficiency"),
        )
    )
    return {
        "format": "careerpath-framework/1",
        "slug": framework.slug,
        "name": framework.name,
        "version": framework.version,
        "status": str(framework.status),  # an enum member right after an import
        "effective_date": framework.effective_date,
        "source_note": framework.source_note,
        "direct_manager_review_only": framework.direct_manager_review_only,
        "metrics": [
            {
                "slug": m.slug,
                "name": m.name,
                "unit": m.unit,
                "direction": m.direction,
                "aggregation": m.aggregation,
                "description": m.description,
            }
            for m in MetricDefinition.objects.filter(
                slug__in=Requirement.objects.filter(
                    Q(level__framework=framework) | Q(entitlement__level__framework=framework)
                ).values("metric")
            )
        ],
        "evidence_categories": [
            {"evidence_kind": c.evidence_kind, "slug": c.slug, "name": c.name}
            for c in framework.evidence_categories.all()
        ],
        "milestones": [
            {"months": m.months, "subject": m.subject, "body": m.body, "assumed": m.assumed}
            for m in framework.milestones.all()
        ],
        "notes": [
            {"section": n.section, "title": n.title, "body": n.body, "assumed": n.assumed}
            for n in framework.notes.all()
        ],
        "proficiency_levels": [
            {"slug": p.slug, "name": p.name, "description": p.description, "assumed": p.assumed}
            for p in framework.proficiency_levels.all()
        ],
        "competencies": [
            {
                "slug": c.slug,
                "name": c.name,
                "definition": c.definition,
                "assumed": c.assumed,
                "indicators": [
                    {"proficiency": i.proficiency.slug, "text": i.text, "assumed": i.assumed}
                    for i in c.indicators.all()
                ],
            }
            for c in competencies
        ],
        "tracks": [
            {"slug": t.slug, "name": t.name, "description": t.description}
            for t in framework.tracks.all()
        ],
        "levels": [
            {
                "code": level.code,
                "title": level.title,
                "subtitle": level.subtitle,
                "track": level.track.slug,
                "rank": level.rank,
                "summary": level.summary,
                "summary_assumed": level.summary_assumed,
                "is_entry": level.is_entry,
                "perk_note": level.perk_note,
                "builds_on": level.builds_on.code if level.builds_on_id else "",
                "next_levels": [n.code for n in level.next_levels.all()],
                "responsibility_areas": [
                    {
                        "number": area.number,
                        "title": area.title,
                        "assumed": area.assumed,
                        "responsibilities": [
                            {"text": r.text, "assumed": r.assumed}
                            for r in area.responsibilities.all()
                        ],
                    }
                    for area in level.areas.all()
                ],
                "required_proficiencies": [
                    {
                        "competency": rp.competency.slug,
                        "proficiency": rp.proficiency.slug,
                        "assumed": rp.assumed,
                    }
                    for rp in level.required_proficiencies.all()
                ],
                "requirements": _requirement_dicts(level.requirements.all()),
                "entitlements": [
                    {
                        "kind": e.kind,
                        "value": e.value,
                        "unit": e.unit,
                        "label": e.label,
                        "source_text": e.source_text,
                        "assumed": e.assumed,
                        "conditions": _requirement_dicts(e.conditions.all()),
                    }
                    for e in level.entitlements.all()
                ],
            }
            for level in levels
        ],
    }


def published_frameworks_list():
    return Framework.objects.filter(status=Framework.Status.PUBLISHED).order_by("name")


def framework_overview(*, framework: Framework) -> dict:
    """Everything the framework page shows, in a constant number of queries.

    Returns tracks with their levels (the career-framework table), each level
    with its role profile, promotion bars and perks, the competency matrix
    (competency x level -> required proficiency) and the indicators.
    """
    levels = list(
        Level.objects.filter(framework=framework)
        .select_related("track", "builds_on")
        .prefetch_related(
            "next_levels",
            Prefetch(
                "areas", queryset=ResponsibilityArea.objects.prefetch_related("responsibilities")
            ),
            Prefetch(
                "required_proficiencies",
                queryset=RequiredProficiency.objects.select_related("proficiency"),
            ),
            *level_rules_prefetches(),
        )
        .order_by("order", "rank", "id")
    )
    tracks = list(framework.tracks.all())
    competencies = list(
        Competency.objects.filter(framework=framework).prefetch_related(
            Prefetch(
                "indicators", queryset=BehaviouralIndicator.objects.select_related("proficiency")
            )
        )
    )
    proficiencies = list(framework.proficiency_levels.all())
    matrix = []
    for competency in competencies:
        cells = []
        for level in levels:
            required = next(
                (
                    rp
                    for rp in level.required_proficiencies.all()
                    if rp.competency_id == competency.pk
                ),
                None,
            )
            cells.append(required)
        indicators = [
            (p, [i for i in competency.indicators.all() if i.proficiency_id == p.pk])
            for p in proficiencies
        ]
        matrix.append({"competency": competency, "cells": cells, "indicators": indicators})
    ranks = sorted({level.rank for level in levels})
    track_table = [
        {
            "rank": rank,
            "cells": [
                [lvl for lvl in levels if lvl.rank == rank and lvl.track_id == track.pk]
                for track in tracks
            ],
        }
        for rank in ranks
    ]
    bars = {  # each level's bars in HR's order, a group with its options
        level.pk: {
            "requirements": _top_level_and_members(level.requirements.all()),
            "perks": [
                (ent, _top_level_and_members(ent.conditions.all()))
                for ent in level.entitlements.all()
            ],
        }
        for level in levels
    }
    return {
        "framework": framework,
        "tracks": tracks,
        "levels": levels,
        "level_rows": [{"level": level, **bars[level.pk]} for level in levels],
        "milestones": list(framework.milestones.all()),
        "track_table": track_table,
        "competencies": competencies,
        "proficiencies": proficiencies,
        "matrix": matrix,
        "notes": list(framework.notes.all()),
    }


def level_comparison(*, overview: dict, first_code: str, second_code: str) -> dict | None:
    """Two levels of one framework side by side, from `framework_overview` (no more queries).

    Returns None when a code is not a level of the framework. `added` lists the
    responsibilities of the second level that the first does not have.
    """
    levels = {level.code: level for level in overview["levels"]}
    if first_code not in levels or second_code not in levels:
        return None
    first, second = levels[first_code], levels[second_code]

    def texts(level):
        return [r.text for area in level.areas.all() for r in area.responsibilities.all()]

    first_texts = set(texts(first))
    proficiency = {
        code: {rp.competency_id: rp.proficiency for rp in levels[code].required_proficiencies.all()}
        for code in (first_code, second_code)
    }
    return {
        "first": first,
        "second": second,
        "added": [t for t in texts(second) if t not in first_texts],
        "competencies": [
            (c, proficiency[first_code].get(c.pk), proficiency[second_code].get(c.pk))
            for c in overview["competencies"]
        ],
    }
