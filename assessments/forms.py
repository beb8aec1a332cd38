from crispy_forms.helper import FormHelper
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from careerpath.input import BoundedDateField, SafeModelMultipleChoiceField
from frameworks.models import Competency, ProficiencyLevel
from frameworks.selectors import category_problem, evidence_categories

from .models import PERIOD_VALIDATOR, Evidence, EvidenceKind, EvidenceReview
from .selectors import evidence_category_choices
from .validators import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = [
            "kind", "category", "title", "reference", "occurred_on", "description",
            "competencies", "attachment", "outcome", "score",
        ]  # fmt: skip
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "competencies": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "description": "What the problem was and how you solved it, or what the item shows.",
        }
        field_classes = {
            "competencies": SafeModelMultipleChoiceField,
            "occurred_on": BoundedDateField,
        }

    category = forms.ChoiceField(
        required=False,
        help_text="The categories your framework counts for this kind of evidence.",
    )

    def __init__(self, *args, employee, **kwargs):
        super().__init__(*args, **kwargs)
        self.employee = employee
        self.categories = {  # kind -> {slug: name}, read once for choices and checks
            kind: dict(pairs)
            for kind, pairs in evidence_categories(framework_id=employee.framework_id).items()
        }
        self.fields["category"].choices = evidence_category_choices(categories=self.categories)
        self.fields["category"].widget.attrs["data-filter-by"] = "kind"
        self.fields["competencies"].queryset = Competency.objects.filter(
            framework_id=employee.framework_id
        )
        if not self.fields["competencies"].queryset.exists():
            del self.fields["competencies"]
        # Limits stated up front, not only after a failed upload.
        self.fields["attachment"].help_text = (
            f"Optional. Up to {filesizeformat(MAX_ATTACHMENT_BYTES)}: "
            f"{', '.join(sorted(ext.lstrip('.').upper() for ext in ALLOWED_EXTENSIONS))}."
        )
        for name in ("outcome", "score"):  # shown for exams only (static JS; the server checks)
            self.fields[name].widget.attrs["data-only-for-kind"] = "exam"
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on and occurred_on > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return occurred_on

    def clean(self):
        cleaned = super().clean()
        problem = category_problem(
            self.categories, evidence_kind=cleaned.get("kind") or "",
            category=cleaned.get("category") or "",
        )  # fmt: skip
        if problem:
            self.add_error("category", problem)
        if cleaned.get("kind") != EvidenceKind.EXAM:
            for name in ("outcome", "score"):
                if cleaned.get(name) not in (None, ""):
                    self.add_error(name, "Only exams have an outcome and a score.")
        return cleaned


class ReviewForm(forms.Form):
    # No decision is chosen for the reviewer: approving must be a choice, never a default.
    decision = forms.ChoiceField(
        choices=[("", "— choose —"), *EvidenceReview.Decision.choices],
        error_messages={"required": "Choose approve or reject."},
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you reject: say what would make it acceptable.",
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == EvidenceReview.Decision.REJECTED
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say why you reject it, so that it can be improved.")
        return cleaned


class BulkReviewForm(ReviewForm):
    evidence = SafeModelMultipleChoiceField(
        queryset=Evidence.objects.none(), widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = queryset
        self.fields["evidence"].error_messages["invalid_choice"] = (
            "Some of the selected items are not waiting for your review."
        )
        self.fields["evidence"].error_messages["required"] = (
            "Select the items to decide, or every matching item."
        )


class RatingForm(forms.Form):
    """One proficiency choice per competency of the person's framework, for one period."""

    period = forms.CharField(max_length=7, validators=[PERIOD_VALIDATOR], help_text="e.g. 2026-H2")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, competencies, proficiencies, initial_ratings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = list(competencies)
        choices = [("", "— not rated —")] + [(p.pk, p.name) for p in proficiencies]
        self.proficiencies = {p.pk: p for p in proficiencies}
        for competency in self.competencies:
            self.fields[f"competency_{competency.pk}"] = forms.TypedChoiceField(
                label=competency.name,
                choices=choices,
                coerce=int,
                required=False,
                initial=(initial_ratings or {}).get(competency.pk),
            )

    def ratings(self) -> list[tuple[Competency, ProficiencyLevel]]:
        return [
            (c, self.proficiencies[self.cleaned_data[f"competency_{c.pk}"]])
            for c in self.competencies
            if self.cleaned_data.get(f"competency_{c.pk}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.ratings():
            raise forms.ValidationError("Choose a proficiency for at least one competency.")
        return cleaned


class AttestationForm(forms.Form):
    code = forms.ChoiceField(label="Expectation")
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the person showed it.",
    )

    def __init__(self, *args, expectations: dict, **kwargs):
        """`expectations` maps a choice key to an Expectation (level, code, label)."""
        super().__init__(*args, **kwargs)
        self.expectations = expectations
        self.fields["code"].choices = [
            (key, f"For {item.level.code}: {item.label}") for key, item in expectations.items()
        ]


class ImportUploadForm(forms.Form):
    """A file to import and what it holds; each kind's extra options (e.g. the people
    file's column profile) appear when they offer more than the default."""

    kind = forms.ChoiceField(label="What the file holds", widget=forms.RadioSelect)
    file = forms.FileField(label="File")

    def __init__(self, *args, kinds: dict, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.max_bytes = max_bytes
        self.fields["kind"].choices = [(kind.slug, kind.title) for kind in kinds.values()]
        self.fields[
            "file"
        ].help_text = (
            f"UTF-8 text (CSV, or a helpdesk's JSON export), up to {max_bytes // 2**20} MB."
        )
        for kind in kinds.values():
            for option in kind.options:
                choices = option.choices()
                if len(choices) > 1:
                    self.fields[self.option_field(kind, option)] = forms.ChoiceField(
                        label=f"{option.label} ({kind.title.lower()} files)",
                        choices=choices,
                        required=False,
                        help_text=option.help_text,
                    )

    @staticmethod
    def option_field(kind, option) -> str:
        return f"{kind.slug}-{option.name}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {self.max_bytes:,}.",
                code="too_big",
            )
        return upload

    def options(self) -> dict:
        """The chosen kind's options, by the importer's argument name."""
        kind = self.kinds[self.cleaned_data["kind"]]
        return {
            option.name: self.cleaned_data.get(self.option_field(kind, option)) or ""
            for option in kind.options
        }
