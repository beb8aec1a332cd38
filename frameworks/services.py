"""Writes of frameworks: import a file, clone a version, publish a draft."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.utils import timezone

from .models import (
    BehaviouralIndicator,
    Competency,
    Entitlement,
    EvidenceCategory,
    Framework,
    FrameworkMilestone,
    FrameworkNote,
    Level,
    MetricDefinition,
    ProficiencyLevel,
    RequiredProficiency,
    Requirement,
    Responsibility,
    ResponsibilityArea,
    Track,
)
from .selectors import framework_as_dict
from .signals import framework_published
from .yaml_format import FrameworkFormatError, comparable, parse_framework_yaml, plain_number


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return list(exc.messages)


class _Builder:
    """Turns a normalised framework dict into rows, collecting every problem with its place."""

    def __init__(self, data: dict):
        self.data = data
        self.errors: list[str] = []

    def save(self, obj: models.Model, path: str, exclude=()) -> bool:
        try:
            obj.full_clean(exclude=list(exclude))
        except ValidationError as exc:
            self.errors.extend(f"{path}: {m}" for m in _validation_messages(exc))
            return False
        obj.save()
        return True

    def unique(self, items: list[dict], key: str, path: str) -> None:
        seen = set()
        for item in items:
            if item[key] in seen:
                self.errors.append(f"{path}: {key} {item[key]!r} appears more than once.")
            seen.add(item[key])

    def build(self, *, version: int, status: str) -> Framework:
        data = self.data
        framework = Framework(
            slug=data["slug"],
            name=data["name"],
            version=version,
            status=status,
            effective_date=data["effective_date"],
            source_note=data["source_note"],
            direct_manager_review_only=data["direct_manager_review_only"],
        )
        if not self.save(framework, "framework"):
            raise FrameworkFormatError(self.errors)

        self.unique(data["metrics"], "slug", "metrics")
        for item in data["metrics"]:
            self.ensure_metric(item)
        seen_categories = set()
        for order, item in enumerate(data["evidence_categories"]):
            key = (item["evidence_kind"], item["slug"])
            path = f"evidence_categories[{item['evidence_kind']}/{item['slug']}]"
            if key in seen_categories:
                self.errors.append(f"{path}: appears more than once.")
                continue
            seen_categories.add(key)
            self.save(EvidenceCategory(framework=framework, order=order, **item), path)
        self.unique(data["milestones"], "months", "milestones")
        for item in data["milestones"]:
            self.save(
                FrameworkMilestone(framework=framework, **item), f"milestones[{item['months']}]"
            )

        for order, note in enumerate(data["notes"]):
            self.save(FrameworkNote(framework=framework, order=order, **note), f"notes[{order}]")

        self.unique(data["proficiency_levels"], "slug", "proficiency_levels")
        proficiencies = {}
        for rank, item in enumerate(data["proficiency_levels"], start=1):
            obj = ProficiencyLevel(framework=framework, rank=rank, **item)
            if self.save(obj, f"proficiency_levels[{item['slug']}]"):
                proficiencies[obj.slug] = obj

        self.unique(data["competencies"], "slug", "competencies")
        competencies = {}
        for order, item in enumerate(data["competencies"]):
            path = f"competencies[{item['slug']}]"
            fields = {k: v for k, v in item.items() if k != "indicators"}
            obj = Competency(framework=framework, order=order, **fields)
            if not self.save(obj, path):
                continue
            competencies[obj.slug] = obj
            for i, indicator in enumerate(item["indicators"]):
                proficiency = self.lookup(
                    proficiencies, indicator["proficiency"], f"{path}.indicators[{i}].proficiency"
                )
                if proficiency:
                    self.save(
                        BehaviouralIndicator(
                            competency=obj,
                            proficiency=proficiency,
                            text=indicator["text"],
                            assumed=indicator["assumed"],
                            order=i,
                        ),
                        f"{path}.indicators[{i}]",
                    )

        self.unique(data["tracks"], "slug", "tracks")
        tracks = {}
        for order, item in enumerate(data["tracks"]):
            obj = Track(framework=framework, order=order, **item)
            if self.save(obj, f"tracks[{item['slug']}]"):
                tracks[obj.slug] = obj

        self.unique(data["levels"], "code", "levels")
        levels = {}
        for order, item in enumerate(data["levels"]):
            path = f"levels[{item['code']}]"
            track = self.lookup(tracks, item["track"], f"{path}.track")
            if track is None:
                continue
            obj = Level(
                framework=framework,
                track=track,
                order=order,
                **{
                    k: item[k]
                    for k in (
                        "code",
                        "title",
                        "subtitle",
                        "rank",
                        "summary",
                        "summary_assumed",
                        "is_entry",
                        "perk_note",
                    )  # fmt: skip
                },
            )
            if self.save(obj, path):
                levels[obj.code] = obj

        graph = {}
        for item in data["levels"]:
            level = levels.get(item["code"])
            if level is None:
                continue
            path = f"levels[{item['code']}]"
            if item["builds_on"]:
                level.builds_on = self.lookup(levels, item["builds_on"], f"{path}.builds_on")
                if level.builds_on:
                    self.save(level, path)
            next_levels = [
                self.lookup(levels, code, f"{path}.next_levels") for code in item["next_levels"]
            ]
            level.next_levels.set([n for n in next_levels if n])
            graph[level.code] = [n.code for n in next_levels if n]
            self.build_level_contents(level, item, path, competencies, proficiencies)
        self.check_acyclic(graph)
        self.check_acyclic(
            {i["code"]: [i["builds_on"]] if i["builds_on"] else [] for i in data["levels"]},
            what="builds_on",
        )
        self.errors.extend(proficiency_drops(framework=framework))  # groups: checked per place
        if self.errors:
            raise FrameworkFormatError(self.errors)
        return framework

    def ensure_metric(self, item: dict) -> None:
        """A metric the file defines: created when new. An existing definition is kept as
        HR has it (definitions are shared by every framework and version)."""
        path = f"metrics[{item['slug']}]"
        existing = MetricDefinition.objects.filter(slug=item["slug"]).first()
        if existing is not None:
            # Name, unit and wording may differ; what a threshold means may not.
            for key in ("direction", "aggregation"):
                if item[key] and item[key] != getattr(existing, key):
                    self.errors.append(
                        f"{path}.{key}: this installation defines “{existing.slug}” with "
                        f"{key} {getattr(existing, key)!r}, the file says {item[key]!r}; make "
                        "them agree (Metric definitions in the admin) or use another slug."
                    )
            return
        fields = {k: v for k, v in item.items() if v not in ("", None)}
        self.save(MetricDefinition(**fields), path)

    def build_level_contents(self, level, item, path, competencies, proficiencies):
        for a, area_item in enumerate(item["responsibility_areas"]):
            area_path = f"{path}.responsibility_areas[{a}]"
            area = ResponsibilityArea(
                level=level,
                number=area_item["number"],
                title=area_item["title"],
                assumed=area_item["assumed"],
                order=a,
            )
            if not self.save(area, area_path):
                continue
            for r, resp in enumerate(area_item["responsibilities"]):
                self.save(
                    Responsibility(area=area, order=r, **resp),
                    f"{area_path}.responsibilities[{r}]",
                )
        for i, rp in enumerate(item["required_proficiencies"]):
            rp_path = f"{path}.required_proficiencies[{i}]"
            competency = self.lookup(competencies, rp["competency"], f"{rp_path}.competency")
            proficiency = self.lookup(proficiencies, rp["proficiency"], f"{rp_path}.proficiency")
            if competency and proficiency:
                self.save(
                    RequiredProficiency(
                        level=level,
                        competency=competency,
                        proficiency=proficiency,
                        assumed=rp["assumed"],
                    ),
                    rp_path,
                )
        for i, req in enumerate(item["requirements"]):
            self.build_requirement(
                req, f"{path}.requirements[{i}]", i, competencies, proficiencies, level=level
            )
        for e, ent_item in enumerate(item["entitlements"]):
            ent_path = f"{path}.entitlements[{e}]"
            entitlement = Entitlement(
                level=level,
                order=e,
                **{k: v for k, v in ent_item.items() if k != "conditions"},
            )
            if not self.save(entitlement, ent_path):
                continue
            for i, req in enumerate(ent_item["conditions"]):
                self.build_requirement(
                    req,
                    f"{ent_path}.conditions[{i}]",
                    i,
                    competencies,
                    proficiencies,
                    entitlement=entitlement,
                )

    def build_requirement(self, item, path, order, competencies, proficiencies, **owner):
        members = item.get("members", [])
        fields = {
            k: v for k, v in item.items() if k not in ("competency", "proficiency", "members")
        }
        fields["label"] = fields["label"] or ""
        fields["weights"] = {k: plain_number(v) for k, v in fields["weights"].items()}
        requirement = Requirement(order=order, **owner, **fields)
        ok = True
        if item["competency"]:
            requirement.competency = self.lookup(
                competencies, item["competency"], f"{path}.competency"
            )
            ok = ok and requirement.competency is not None
        if item["proficiency"]:
            requirement.proficiency = self.lookup(
                proficiencies, item["proficiency"], f"{path}.proficiency"
            )
            ok = ok and requirement.proficiency is not None
        if not ok or not self.save(requirement, path):
            return
        if members and requirement.kind != "group":
            self.errors.append(f"{path}.members: only a “group” requirement has members.")
            return
        if requirement.kind == "group" and len(members) < (requirement.count or 0):
            self.errors.append(
                f"{path}: asks for any {requirement.count} of {len(members)} member(s); "
                "a group needs at least as many members as it asks for."
            )
        for i, member in enumerate(members):
            self.build_requirement(
                member, f"{path}.members[{i}]", i, competencies, proficiencies,
                parent=requirement, **owner,
            )  # fmt: skip

    def lookup(self, table: dict, key: str, path: str):
        found = table.get(key)
        if found is None:
            known = ", ".join(table) or "none defined"
            self.errors.append(f"{path}: {key!r} is not defined in this file (known: {known}).")
        return found

    def check_acyclic(self, graph: dict[str, list[str]], what: str = "next_levels") -> None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done

        def visit(node, trail):
            state[node] = 1
            for nxt in graph.get(node, []):
                if state.get(nxt) == 1:
                    cycle = " -> ".join([*trail[trail.index(nxt) :], nxt])
                    self.errors.append(f"levels: {what} form a cycle: {cycle}.")
                    return True
                if state.get(nxt) is None and visit(nxt, [*trail, nxt]):
                    return True
            state[node] = 2
            return False

        for node in graph:
            if state.get(node) is None and visit(node, [node]):
                return


def group_shortfalls(*, framework: Framework) -> list[str]:
    """Groups asking for more options than they have (one query); empty when none."""
    groups = (
        Requirement.objects.filter(kind="group")
        .filter(Q(level__framework=framework) | Q(entitlement__level__framework=framework))
        .annotate(options=Count("members"))
        .select_related("level", "entitlement__level")
    )
    return [
        f"levels[{(g.level or g.entitlement.level).code}]: the group “{g.code}” asks for any "
        f"{g.count} of {g.options} option(s); a group needs at least as many options as it "
        "asks for."
        for g in groups
        if g.options < (g.count or 0)
    ]


def framework_problems(*, framework: Framework) -> list[str]:
    """What makes a framework version unusable, checked on import and before publishing."""
    return [*proficiency_drops(framework=framework), *group_shortfalls(framework=framework)]


def proficiency_drops(*, framework: Framework) -> list[str]:
    """Where a level requires less of a competency than the level it builds on.

    "Required proficiency of each competency increases as one moves up the
    levels": a level that builds on another never asks for less. One message
    per level and competency; empty when the framework is consistent.
    """
    required = defaultdict(dict)
    for rp in RequiredProficiency.objects.filter(level__framework=framework).select_related(
        "level", "competency", "proficiency"
    ):
        required[rp.level.code][rp.competency.slug] = rp.proficiency
    problems = []
    for level in Level.objects.filter(framework=framework, builds_on__isnull=False).select_related(
        "builds_on"
    ):
        below = required.get(level.builds_on.code, {})
        for slug, proficiency in sorted(required.get(level.code, {}).items()):
            lower = below.get(slug)
            if lower is not None and proficiency.rank < lower.rank:
                problems.append(
                    f"levels[{level.code}].required_proficiencies[{slug}]: {proficiency.name} is "
                    f"below the {lower.name} that {level.builds_on.code}, which it builds on, "
                    "requires; required proficiency never falls along builds_on."
                )
    return problems


def _ensure_framework_editor(actor) -> None:
    """HR (whoever may change frameworks) edits, publishes and throws away versions. `actor`
    None is the command line (seed_frameworks, import_framework), run by the operator."""
    if actor is None:
        return
    if not (actor.is_active and actor.has_perm("frameworks.change_framework")):
        raise PermissionDenied("Only HR changes career frameworks.")


def framework_import(*, data: dict, actor) -> Framework:
    """Create a new draft framework version from a normalised dict (see yaml_format).

    A new slug gets the file's version (or 1); an existing slug gets the next
    version number. Either everything is created or nothing is: on any problem
    `FrameworkFormatError` lists each one with its place.
    """
    _ensure_framework_editor(actor)
    with transaction.atomic():
        draft = Framework.objects.filter(slug=data["slug"], status=Framework.Status.DRAFT).first()
        if draft is not None:
            raise FrameworkFormatError(
                [
                    f"framework: {data['slug']} already has a draft (version {draft.version}); "
                    "HR works on one draft at a time: publish it or throw it away first."
                ]
            )
        # Two imports racing for the same number fail on framework_unique_version.
        latest = Framework.objects.filter(slug=data["slug"]).aggregate(v=Max("version"))["v"]
        version = latest + 1 if latest else data["version"] or 1
        return _Builder(data).build(version=version, status=Framework.Status.DRAFT)


def framework_import_yaml(*, text: str, actor) -> Framework:
    return framework_import(data=parse_framework_yaml(text), actor=actor)


def framework_clone(*, framework: Framework, actor) -> Framework:
    """A new draft version with the same content, for HR to edit and publish.

    Raises FrameworkFormatError when the framework already has a draft."""
    return framework_import(data=framework_as_dict(framework=framework), actor=actor)


def _draft_locked(framework: Framework, doing: str) -> Framework:
    """The framework's row, locked for this transaction; ValidationError unless a draft."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.status != Framework.Status.DRAFT:
        raise ValidationError(
            f"Only a draft can be {doing}; version {framework.version} is "
            f"{framework.get_status_display().lower()}."
        )
    return framework


def framework_draft_discard(*, framework: Framework, actor) -> None:
    """Throw a draft away (HR works on one at a time). Published and archived versions stay:
    people were judged against them. Parts are removed bars first, since a bar protects
    the competency and proficiency it names."""
    _ensure_framework_editor(actor)
    with transaction.atomic():
        framework = _draft_locked(framework, "thrown away")
        try:
            with transaction.atomic():
                Requirement.objects.filter(
                    Q(level__framework=framework) | Q(entitlement__level__framework=framework)
                ).delete()
                RequiredProficiency.objects.filter(level__framework=framework).delete()
                Level.objects.filter(framework=framework).delete()
                framework.delete()
        except ProtectedError as exc:
            used = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
            raise ValidationError(
                f"Draft version {framework.version} cannot be thrown away: "
                f"{', '.join(used)} refer to its parts. Change them first."
            ) from None


def framework_draft_open(*, framework: Framework, actor) -> tuple[Framework, bool]:
    """The framework's draft, made from `framework` when there is none: (draft, created).

    Running it again opens the same draft, so HR never works on two at once.
    """
    _ensure_framework_editor(actor)
    with transaction.atomic():
        # Two HR clicks at once: the second waits here, then finds the first one's draft.
        list(Framework.objects.select_for_update().filter(slug=framework.slug).values("pk"))
        existing = Framework.objects.filter(
            slug=framework.slug, status=Framework.Status.DRAFT
        ).first()
        if existing is not None:
            return existing, False
        if framework.status == Framework.Status.ARCHIVED:
            # A draft starts from what people are judged against now, never silently
            # from an older version (that would undo HR's published work).
            framework = (
                Framework.objects.filter(
                    slug=framework.slug, status=Framework.Status.PUBLISHED
                ).first()
                or framework
            )
        try:
            with transaction.atomic():
                return framework_clone(framework=framework, actor=actor), True
        except IntegrityError:  # another process made it between our check and insert
            existing = Framework.objects.filter(
                slug=framework.slug, status=Framework.Status.DRAFT
            ).first()
            if existing is None:
                raise
            return existing, False


def framework_publish(*, framework: Framework, actor) -> Framework:
    """Publish a draft: archive the published version and move everyone across, atomically.

    Raises ValidationError when the framework is not a draft, or when a
    receiver of `framework_published` refuses (e.g. people sit at a level the
    new version no longer has); nothing changes then.
    """
    _ensure_framework_editor(actor)
    with transaction.atomic():
        framework = _draft_locked(framework, "published")
        previous = (
            Framework.objects.select_for_update()
            .filter(slug=framework.slug, status=Framework.Status.PUBLISHED)
            .first()
        )
        level_map = {}
        if previous is not None:
            previous.status = Framework.Status.ARCHIVED
            if actor is not None:  # else the request's user, or the command's reason
                previous._history_user = actor
            previous.save(update_fields=["status"])
            new_levels = {lvl.code: lvl for lvl in framework.levels.all()}
            level_map = {
                old.pk: new_levels[old.code]
                for old in previous.levels.all()
                if old.code in new_levels
            }
        problems = framework_problems(framework=framework)
        if problems:
            raise ValidationError(problems)
        framework.status = Framework.Status.PUBLISHED
        framework.published_at = timezone.now()
        if actor is not None:
            framework._history_user = actor
        framework.save(update_fields=["status", "published_at"])
        framework_published.send(
            sender=Framework, framework=framework, previous=previous, level_map=level_map
        )
    return framework


def framework_seed(*, text: str, actor, update: bool = False) -> tuple[Framework, str]:
    """Install a seed framework; return the framework shown and what happened, in words.

    A slug that is not installed is imported and published. An installed one
    is left alone: HR owns it from then on. With `update`, the seed is offered
    as a new draft when its content differs from the newest version, never
    over HR's work: an open draft is left as it is. Running it again changes
    nothing.
    """
    data = parse_framework_yaml(text)
    slug = data["slug"]
    latest = Framework.objects.filter(slug=slug).order_by("-version").first()
    if latest is None:
        with transaction.atomic():
            framework = framework_import(data=data, actor=actor)
            return framework_publish(framework=framework, actor=actor), "installed"
    if not update:
        return latest, (
            f"already installed (newest v{latest.version}, {latest.get_status_display().lower()}); "
            "left alone. `seed_frameworks --update` offers the seed as a draft."
        )
    if comparable(framework_as_dict(framework=latest)) == comparable(data):
        return latest, "unchanged: the newest version has the seed's content"
    draft = Framework.objects.filter(slug=slug, status=Framework.Status.DRAFT).first()
    if draft is not None:
        return draft, (
            f"HR's draft v{draft.version} is open: not touched. Publish it or throw it away, "
            "then run `seed_frameworks --update` again."
        )
    return framework_import(data=data, actor=actor), (
        "new draft with the seed's content, for HR to review"
    )
