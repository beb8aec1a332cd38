from django import forms


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
        self.fields["to_level"].choices = [
            (level.pk, f"{level.code} {level.title}") for level in levels
        ]

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
