"""API serializers: read shapes with explicit fields and small input serializers. No domain work here.

Identity fields carry the names of the CSV columns (architecture contract); trait
rules live in `identities.rules.identity.clean_identity`, called by the views.
"""

from __future__ import annotations

import copy

from rest_framework import serializers

from identities.models import (
    ADMISSION_SERVICE_MAX,
    CollectionMethod,
    DocumentType,
    IdentityEvent,
    IdentityProof,
    IdentityStatus,
    InsiRequest,
    PatientIdentity,
    Sex,
)

# What another system may declare; INSi and the Appli carte Vitale are only set by the portal itself.
API_COLLECTION_METHODS = [(m.value, m.label) for m in (CollectionMethod.MANUAL, CollectionMethod.VITALE,
                                                      CollectionMethod.DATAMATRIX, CollectionMethod.INTEROP,
                                                      CollectionMethod.IMPORT)]
TRAIT_FIELDS = ("birth_name", "first_names", "first_name", "birth_date", "sex", "birth_place", "used_name",
                "used_first_name", "nir", "address", "postcode", "city")


class ReadSerializer(serializers.ModelSerializer):
    """ModelSerializer, with its fields worked out from the model once per class instead of once per response.

    Each response still gets its own copies, as DRF binds fields to their serializer.
    """

    def get_fields(self):
        cls = type(self)
        if "_model_fields" not in cls.__dict__:
            cls._model_fields = super().get_fields()
        return copy.deepcopy(cls._model_fields)


class IdentityReadSerializer(ReadSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    facility = serializers.CharField(source="facility.code", read_only=True)
    sex = serializers.ChoiceField(choices=Sex.choices)
    status = serializers.ChoiceField(choices=IdentityStatus.choices)
    ins = serializers.SerializerMethodField(help_text="Matricule INS (15 caractères), transmis seulement "
                                                      "pour une identité qualifiée (QUAL).")
    ins_oid = serializers.SerializerMethodField(help_text="OID de l'autorité d'affectation du matricule INS.")
    attributes = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="Attributs RNIV : DOUT, FICT, HOMA.")
    merged_into = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)

    class Meta:
        model = PatientIdentity
        fields = ["id", "facility", "source_id", *TRAIT_FIELDS, "ins", "ins_oid", "status", "attributes",
                  "collection_method", "admission_service", "is_active", "merged_into", "version", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_ins(self, identity: PatientIdentity) -> str | None:
        return identity.ins_matricule or None if identity.is_qualified else None

    def get_ins_oid(self, identity: PatientIdentity) -> str | None:
        return identity.ins_oid or None if identity.is_qualified else None


def _trait(max_length: int, **extra) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **extra)


class IdentityTraitsInputSerializer(serializers.Serializer):
    """Traits as in the CSV columns; each is normalised and checked by the domain rules."""

    birth_name = _trait(100)
    first_names = _trait(200, help_text="Tous les prénoms de naissance, séparés par des espaces.")
    first_name = _trait(100, help_text="Premier prénom de naissance ; déduit de first_names si absent.")
    birth_date = _trait(10, help_text="AAAA-MM-JJ ; jour ou mois à 00 si inconnus.")
    sex = _trait(1, help_text="M, F ou vide.")
    birth_place = _trait(5, help_text="Code INSEE à 5 caractères (commune, 99xxx pays, 99999 inconnu).")
    used_name = _trait(100)
    used_first_name = _trait(100)
    nir = _trait(21, help_text="NIR déclaré, 15 caractères avec la clé.")
    address = _trait(200)
    postcode = _trait(10)
    city = _trait(100)


class IdentityCreateInputSerializer(IdentityTraitsInputSerializer):
    source_id = _trait(64, help_text="IPP ; attribué par le portail si absent.")
    facility = _trait(20, help_text="Code de l'établissement ; facultatif s'il n'y en a qu'un.")
    collection_method = serializers.ChoiceField(
        choices=API_COLLECTION_METHODS, default=CollectionMethod.INTEROP, required=False)
    admission_service = _trait(ADMISSION_SERVICE_MAX, help_text="Service d'admission (URGENCES, MATERNITE...) : "
                                                                "les indicateurs sont comptés par service.")


class IdentityUpdateInputSerializer(IdentityTraitsInputSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="La version lue : une modification fondée sur une version "
                                                 "dépassée est refusée (409).")
    reason = _trait(500, help_text="Motif (obligatoire pour déverrouiller les traits stricts).")
    unlock = serializers.BooleanField(required=False, default=False,
                                      help_text="Déverrouiller les traits stricts d'une identité qualifiée "
                                                "(référent).")


class AttributesInputSerializer(serializers.Serializer):
    is_doubtful = serializers.BooleanField()
    is_fictitious = serializers.BooleanField()
    is_homonym = serializers.BooleanField()
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = _trait(500)


class ProofReadSerializer(ReadSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    checked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = IdentityProof
        fields = ["id", "document_type", "high_trust", "expires_on", "checked_by", "checked_at", "is_active",
                  "comment"]
        read_only_fields = fields


class ProofInputSerializer(serializers.Serializer):
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    expires_on = serializers.DateField(required=False, allow_null=True)
    comment = _trait(300)


class EventReadSerializer(ReadSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = IdentityEvent
        fields = ["kind", "actor", "reason", "data", "created_at"]
        read_only_fields = fields


class InsiRequestReadSerializer(ReadSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    identity = serializers.UUIDField(source="identity.public_id", read_only=True)

    class Meta:
        model = InsiRequest
        fields = ["id", "identity", "kind", "state", "outcome", "message", "created_at", "finished_at"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code stable, lisible par une machine.")
    message = serializers.CharField(help_text="Ce qu'il faut faire, pour une personne.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Erreurs par champ.")


class IdentityWrittenSerializer(IdentityReadSerializer):
    """The identity after a write, with the coherence warnings of the entry (NIR against sex, date, place)."""

    warnings = serializers.SerializerMethodField()

    class Meta(IdentityReadSerializer.Meta):
        fields = [*IdentityReadSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    def get_warnings(self, identity: PatientIdentity) -> list[str]:
        return list(self.context.get("warnings", []))


class IdentityFilterSerializer(serializers.Serializer):
    """Query parameters of the identity list; every one is optional and they combine with AND."""

    q = serializers.CharField(required=False, max_length=100,
                              help_text="Début du nom (de naissance ou utilisé, « NOM PRÉNOM » accepté), "
                                        "IPP ou INS/NIR.")
    birth_name = serializers.CharField(required=False, max_length=100, help_text="Nom de naissance exact.")
    first_name = serializers.CharField(required=False, max_length=100, help_text="Un prénom de naissance.")
    birth_date = serializers.CharField(required=False, max_length=10, help_text="AAAA-MM-JJ (00 si inconnu).")
    sex = serializers.ChoiceField(required=False, choices=["M", "F", "I"])
    ins = serializers.CharField(required=False, max_length=21,
                                help_text="Matricule INS à 15 caractères (identités qualifiées seulement).")
    source_id = serializers.CharField(required=False, max_length=64, help_text="IPP exact.")
    facility = serializers.CharField(required=False, max_length=20, help_text="Code de l'établissement.")
    status = serializers.ChoiceField(required=False, choices=IdentityStatus.choices)
    include_inactive = serializers.BooleanField(required=False, default=False,
                                                help_text="Inclure les identités fusionnées ou désactivées.")
