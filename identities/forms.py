"""Forms of the identity pages. They only validate: the views hand `cleaned_data` to a service.

Trait validation is the domain rule `clean_identity` (the same one as the API
and the import); its per-field errors are put next to the fields.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row, Submit
from django import forms

from identities.models import ADMISSION_SERVICE_MAX, DocumentType, Facility, Sex
from identities.rules.identity import STRICT_TRAITS, IdentityInvalid, clean_identity

_TRAIT_LABELS = {
    "birth_name": "Nom de naissance",
    "first_names": "Prénoms de naissance",
    "first_name": "Premier prénom",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "birth_place": "Lieu de naissance (code INSEE)",
    "used_name": "Nom utilisé",
    "used_first_name": "Prénom utilisé",
    "nir": "NIR (n° de sécurité sociale)",
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Ville",
}
TRAIT_NAMES = tuple(_TRAIT_LABELS)
_HELP = {
    "first_names": "Tous les prénoms de l'acte de naissance, dans l'ordre, séparés par des espaces.",
    "first_name": "Laisser vide : le premier des prénoms de naissance.",
    "birth_date": "JJ/MM/AAAA ou AAAA-MM-JJ ; 00 pour un jour ou un mois inconnus.",
    "birth_place": "Commune de naissance, 99xxx pour un pays, 99999 si inconnu.",
    "nir": "15 caractères avec la clé, si la personne le présente.",
}


def _trait_field(name: str) -> forms.Field:
    if name == "sex":
        return forms.ChoiceField(label=_TRAIT_LABELS[name], choices=Sex.choices, required=False)
    return forms.CharField(label=_TRAIT_LABELS[name], required=False, help_text=_HELP.get(name, ""))


class IdentityTraitsForm(forms.Form):
    """The traits of an identity, validated by the domain rule; sets `clean_identity` and `warnings`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in _TRAIT_LABELS:
            self.fields[name] = _trait_field(name)
        self.fields["birth_name"].widget.attrs["autofocus"] = True
        self.clean_identity = None
        self.warnings: list[str] = []

    def clean(self):
        data = super().clean()
        try:
            self.clean_identity, self.warnings = clean_identity({name: data.get(name) for name in _TRAIT_LABELS})
        except IdentityInvalid as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data

    def traits_layout(self) -> list:
        return [
            Fieldset("Traits stricts",
                     Row(Column("birth_name", css_class="col-md-6"), Column("first_names", css_class="col-md-6")),
                     Row(Column("first_name", css_class="col-md-4"), Column("birth_date", css_class="col-md-3"),
                         Column("sex", css_class="col-md-2"), Column("birth_place", css_class="col-md-3"))),
            Fieldset("Traits complémentaires",
                     Row(Column("used_name", css_class="col-md-4"), Column("used_first_name", css_class="col-md-4"),
                         Column("nir", css_class="col-md-4")),
                     Row(Column("address", css_class="col-md-6"), Column("postcode", css_class="col-md-2"),
                         Column("city", css_class="col-md-4"))),
        ]


class IdentityCreateForm(IdentityTraitsForm):
    facility = forms.ModelChoiceField(label="Établissement", queryset=Facility.objects.all(), empty_label=None)
    source_id = forms.CharField(label="IPP", required=False, max_length=64,
                                help_text="Laisser vide : un IPP est attribué automatiquement.")
    admission_service = forms.CharField(label="Service d'admission", required=False, max_length=ADMISSION_SERVICE_MAX,
                                        help_text="Par exemple URGENCES, MATERNITE : le tableau de bord "
                                                  "compte par service.")
    confirm = forms.BooleanField(
        label="J'ai vérifié : il s'agit d'une autre personne, créer quand même", required=False)

    def __init__(self, *args, show_confirm: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        confirm = [Div(Field("confirm"), css_class="alert alert-warning")] if show_confirm else []
        self.helper.layout = Layout(
            Row(Column("facility", css_class="col-md-4"), Column("source_id", css_class="col-md-4"),
                Column("admission_service", css_class="col-md-4")),
            *self.traits_layout(), *confirm,
            Submit("submit", "Créer l'identité", css_class="btn-primary"),
        )


class IdentityUpdateForm(IdentityTraitsForm):
    """Edit traits. The strict traits of a qualified identity are disabled unless the user may unlock them."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    unlock = forms.BooleanField(label="Déverrouiller les traits stricts de cette identité qualifiée", required=False)
    reason = forms.CharField(label="Motif de la modification", required=False, max_length=500)

    def __init__(self, *args, locked: bool = False, can_unlock: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked and not can_unlock:
            for name in STRICT_TRAITS:
                self.fields[name].disabled = True
        if not (locked and can_unlock):
            del self.fields["unlock"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        extra = [Div(Field("unlock"), css_class="alert alert-warning")] if "unlock" in self.fields else []
        self.helper.layout = Layout(
            *self.traits_layout(), "expected_version", *extra, "reason",
            Submit("submit", "Enregistrer", css_class="btn-primary"),
            HTML('<a class="btn btn-link" href="{{ identity_url }}">Annuler</a>'),
        )

    def clean(self):
        data = super().clean()
        if data.get("unlock") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Indiquez le motif du déverrouillage des traits stricts.")
        return data


class ProofForm(forms.Form):
    document_type = forms.ChoiceField(label="Pièce d'identité vérifiée", choices=DocumentType.choices)
    expires_on = forms.DateField(label="Date d'expiration", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    comment = forms.CharField(label="Commentaire", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "document_type", "expires_on", "comment",
            HTML('<p class="small text-body-secondary">Seuls le passeport, la carte nationale d\'identité, '
                 'le titre de séjour, l\'extrait d\'acte de naissance et le livret de famille '
                 'sont des pièces à haut niveau de confiance.</p>'),
            Submit("submit", "Enregistrer la pièce", css_class="btn-primary"),
        )


class AttributesForm(forms.Form):
    is_doubtful = forms.BooleanField(label="Identité douteuse (DOUT)", required=False)
    is_fictitious = forms.BooleanField(label="Identité fictive (FICT)", required=False)
    is_homonym = forms.BooleanField(label="Homonyme avéré (HOMA)", required=False)
    reason = forms.CharField(label="Motif", max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("is_doubtful", "is_fictitious", "is_homonym", "reason", "expected_version",
                                    Submit("submit", "Enregistrer les attributs", css_class="btn-primary"))

    def clean(self):
        data = super().clean()
        if data.get("is_doubtful") and data.get("is_fictitious"):
            self.add_error("is_fictitious", "Une identité ne peut pas être à la fois douteuse et fictive.")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label="Nom, INS/NIR ou IPP", required=False, max_length=100)
    birth_date = forms.CharField(label="Date de naissance", required=False, max_length=10)
    include_inactive = forms.BooleanField(label="Inclure les identités désactivées", required=False)
