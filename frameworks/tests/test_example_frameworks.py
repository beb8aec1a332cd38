"""docs/examples: each example imports, exports byte for byte, and judges its people right."""

import datetime
import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from frameworks.kinds import Facts, metric_window
from frameworks.models import Framework, Level
from frameworks.selectors import level_rules, level_rules_prefetches
from frameworks.services import framework_import_yaml
from promotions import rules

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
SOURCEGRAPH = (EXAMPLES / "sourcegraph-support.yaml").read_text(encoding="utf-8")
AS_OF = datetime.date(2025, 7, 15)
SLA, OPEN_TIME = "sla_adherence_pct", "median_open_time_hours"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sourcegraph(seeded) -> Framework:
    # With the seeds installed: sla_adherence_pct is then already defined (by whatfix-support),
    # and the example must agree with that shared definition to export unchanged.
    return framework_import_yaml(text=SOURCEGRAPH, actor=None)


def level_specs(framework: Framework, code: str):
    lvl = Level.objects.prefetch_related(*level_rules_prefetches()).get(
        framework=framework, code=code
    )
    return lvl, level_rules([lvl])[lvl.pk]


def months(values) -> dict[datetime.date, Decimal]:
    """The last len(values) complete months before AS_OF, oldest first, with these figures."""
    window = metric_window(AS_OF, len(values))
    return {month: Decimal(str(v)) for month, v in zip(window, values, strict=True)}


def person_at_ic2(*, sla, open_time, confirmed_for=("IC3",)) -> Facts:
    """Hired three years ago, at IC2 for 14 months, with six months of figures."""
    return Facts(
        employee_id=1,
        hire_date=datetime.date(2022, 6, 1),
        level_since=datetime.date(2024, 5, 1),
        metrics={SLA: months(sla), OPEN_TIME: months(open_time)},
        attestations={("performing-at-next-level", code): AS_OF for code in confirmed_for},
    )


def metric_result(framework, code, facts, slug):
    _, level = level_specs(framework, code)
    results = rules.evaluate(facts, level.requirements, AS_OF)
    [result] = [r for r in results if r.kind == "metric" and r.params["metric"] == slug]
    return result


def test_sourcegraph_example_imports_and_exports_byte_for_byte(sourcegraph):
    assert sourcegraph.levels.count() == 5
    out = io.StringIO()
    call_command("export_framework", "sourcegraph-support", "--framework-version", "1", stdout=out)
    assert out.getvalue() == SOURCEGRAPH
    for named in ("github.com/sourcegraph/handbook", "cs-career-framework.md",
                  "fff1b09da9e0913599d97f74af3b835cace347da", "Apache-2.0"):  # fmt: skip
        assert named in sourcegraph.source_note


def test_sourcegraph_example_keeps_every_measurable_bar(sourcegraph):
    bars = {
        (code, metric, float(threshold))
        for code, metric, threshold in sourcegraph.levels.filter(
            requirements__kind="metric"
        ).values_list("code", "requirements__metric", "requirements__threshold")
    }
    assert {(c, float(t)) for c, m, t in bars if m == SLA} == {
        ("IC1", 90), ("IC2", 94), ("IC3", 96), ("IC4", 98), ("IC5", 98)
    }  # fmt: skip
    assert {c for c, m, t in bars if m == OPEN_TIME and t == 20} == {"IC2", "IC3", "IC4", "IC5"}
    for code in ("IC2", "IC3", "IC4", "IC5"):
        _, level = level_specs(sourcegraph, code)
        kinds = {spec.kind: spec for spec in level.requirements}
        assert kinds["time_in_level"].months == 12
        assert kinds["attestation"].code == "performing-at-next-level"
        assert all(s.window_months == 6 for s in level.requirements if s.kind == "metric")
    # The metric specs carry their definitions: lower is better, the highest month counts.
    spec = next(s for s in level.requirements if s.kind == "metric" and s.metric.slug == OPEN_TIME)
    assert (spec.metric.higher_is_better, spec.metric.aggregation) == (False, "maximum")


def test_one_month_below_fails_the_sla_bar_although_the_average_is_above_it(sourcegraph):
    steady = person_at_ic2(sla=[97, 98, 99, 97, 98, 99], open_time=[18] * 6)
    result = metric_result(sourcegraph, "IC3", steady, SLA)
    assert (result.met, result.have, result.need) == (True, 97, 96)

    one_bad_month = person_at_ic2(sla=[97, 98, 93, 99, 97, 98], open_time=[18] * 6)
    result = metric_result(sourcegraph, "IC3", one_bad_month, SLA)
    # The average (97) would pass; "consistently" is the lowest month, 93.
    assert (result.met, result.have, result.reason) == (False, 93, "off_target")
    assert result.params["aggregation"] == "minimum"


def test_sla_bar_needs_six_months_of_figures(sourcegraph):
    facts = person_at_ic2(sla=[97, 98, 99, 97, 98, 99], open_time=[18] * 6)
    facts = replace(facts, metrics={SLA: dict(list(facts.metrics[SLA].items())[1:])})
    result = metric_result(sourcegraph, "IC3", facts, SLA)
    assert (result.met, result.reason, len(result.params["missing"])) == (
        False,
        "missing_months",
        1,
    )


def test_median_open_time_of_20_hours_or_less_is_kept_every_month(sourcegraph):
    steady = person_at_ic2(sla=[97] * 6, open_time=[18] * 6)
    result = metric_result(sourcegraph, "IC3", steady, OPEN_TIME)
    assert (result.met, result.have, result.need, result.params["comparison"]) == (
        True, 18, 20, "lte"
    )  # fmt: skip

    one_slow_month = person_at_ic2(sla=[97] * 6, open_time=[18, 18, 18, 21, 18, 18])
    result = metric_result(sourcegraph, "IC3", one_slow_month, OPEN_TIME)
    assert (result.met, result.have) == (False, 21)


def test_a_steady_ic2_is_ready_for_ic3_and_not_for_ic4(sourcegraph):
    facts = person_at_ic2(sla=[97, 98, 99, 97, 98, 99], open_time=[18] * 6)
    ic3, ic3_rules = level_specs(sourcegraph, "IC3")
    assert rules.readiness(facts, ic3, ic3_rules, AS_OF).eligible

    ic4, ic4_rules = level_specs(sourcegraph, "IC4")
    unmet = {r.kind: r for r in rules.readiness(facts, ic4, ic4_rules, AS_OF).results if not r.met}
    # 97% is below IC4's 98%; no certification; the confirmation was given for IC3 only.
    assert set(unmet) == {"metric", "evidence", "attestation"}
    assert unmet["attestation"].reason == "confirmed_for_other_level"


def test_the_next_level_confirmation_and_twelve_months_in_level_are_both_needed(sourcegraph):
    ic3, ic3_rules = level_specs(sourcegraph, "IC3")
    unconfirmed = person_at_ic2(sla=[97] * 6, open_time=[18] * 6, confirmed_for=())
    results = rules.readiness(unconfirmed, ic3, ic3_rules, AS_OF).results
    assert [r.kind for r in results if not r.met] == ["attestation"]

    recent = replace(unconfirmed, level_since=datetime.date(2025, 1, 1))
    results = {r.kind: r for r in rules.readiness(recent, ic3, ic3_rules, AS_OF).results}
    assert (results["time_in_level"].met, results["time_in_level"].have) == (False, 6)
    assert results["time_in_level"].earliest_date == datetime.date(2026, 1, 1)
