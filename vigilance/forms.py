"""Forms of the CIV pages; they only validate, the views call `vigilance.merging`."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms

from identities.models import Facility
from vigilance.models import CandidateState

SIDES = [("a", "Identité A"), ("b", "Identité B")]


class WorklistFilterForm(forms.Form):
    state = forms.ChoiceField(label="État", choices=CandidateState.choices, required=False)
    facility = forms.ModelChoiceField(label="Établissement", queryset=Facility.objects.all(), required=False,
                                      empty_label="Tous")
    min_score = forms.FloatField(label="Score minimal", required=False, min_value=0, max_value=1)
    mine = forms.BooleanField(label="Mes dossiers", required=False)


class MergeForm(forms.Form):
    """Which identity survives, and for each differing trait which side's value is kept."""

    survivor = forms.ChoiceField(label="Identité conservée", choices=SIDES, widget=forms.RadioSelect)
    reason = forms.CharField(label="Motif de la fusion", max_length=500)

    def __init__(self, *args, differing: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.differing = list(differing)
        for name in self.differing:
            self.fields[f"trait_{name}"] = forms.ChoiceField(choices=SIDES, widget=forms.RadioSelect,
                                                             required=False)

    def trait_choices(self) -> dict[str, str]:
        """{trait: "survivor" | "merged"} for the traits whose value comes from the chosen side."""
        survivor = self.cleaned_data["survivor"]
        return {name: ("survivor" if (self.cleaned_data.get(f"trait_{name}") or survivor) == survivor else "merged")
                for name in self.differing}


class DecisionForm(forms.Form):
    """Not a duplicate, homonyms or collision: a reason is what the next referent will read."""

    decision = forms.ChoiceField(choices=[("dismiss", "Pas un doublon"), ("homonyms", "Homonymes"),
                                          ("collision", "Collision")], widget=forms.HiddenInput)
    reason = forms.CharField(label="Motif", max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=500, widget=forms.TextInput(attrs={"autofocus": True}))

    def __init__(self, *args, submit_label: str = "Confirmer", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("reason", Submit("submit", submit_label, css_class="btn-danger"))
