from django import forms

from .channels import CHANNELS
from .models import Notification
from .presenters import level_name
from .reports import ReportFilters


class NominationForm(forms.Form):
    to_level = forms.TypedChoiceField(label="Nominate for", coerce=int)
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when a requirement is not met yet.",
    )

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = {level.pk: level for level in levels}
        self.fields["to_level"].choices = [(level.pk, level_name(level)) for level in levels]

    def clean_to_level(self):
        return self.levels[self.cleaned_data["to_level"]]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you reject.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Say why the promotion is rejected.")
        return cleaned


class ChannelChoicesForm(forms.Form):
    """The notification settings page: the (channel, kind) pairs switched on, as
    "channel:kind" values; every pair left out is off."""

    choice = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [
            (f"{channel}:{kind}", f"{channel} {label}")
            for channel in CHANNELS
            for kind, label in Notification.Kind.choices
        ]

    def chosen(self) -> set[tuple[str, str]]:
        return {tuple(value.split(":", 1)) for value in self.cleaned_data["choice"]}


class ReportFilterForm(forms.Form):
    """HR report filters from the query string. The choices come from the reports' own choices
    query (promotions.reports.filter_choices), so checking a value reads nothing more; a value
    that is not among them (a team nobody is in any more, a forged id) is a clear 400."""

    framework = forms.ChoiceField(required=False, label="Framework")
    team = forms.ChoiceField(required=False, label="Team")
    region = forms.ChoiceField(required=False, label="Region")
    manager = forms.ChoiceField(
        required=False, label="Manager", help_text="Everyone below them, directly or not."
    )

    def __init__(self, *args, choices: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        everyone = {"framework": "All frameworks", "team": "All teams",
                    "region": "All regions", "manager": "Everyone"}  # fmt: skip
        for name, field in self.fields.items():
            field.choices = [("", everyone[name]), *choices.get(name, [])]

    def filters(self):
        data = self.cleaned_data if self.is_bound else {}
        manager = data.get("manager")
        return ReportFilters(
            framework=data.get("framework", ""),
            team=data.get("team", ""),
            region=data.get("region", ""),
            manager=int(manager) if manager else None,
        )
