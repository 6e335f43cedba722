"""The identity register: identities with their traits, INS, proofs and events.

Models hold fields, constraints and small properties. Every write goes through
a service in `identities/services/`; the RNIV status is derived there by
`identities.rules.status.derive_status`, never typed in.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

# Longest admission service name: the form, the API and the CSV import refuse longer ones.
ADMISSION_SERVICE_MAX = 64


class Facility(models.Model):
    """A care structure (établissement) holding its own IPP namespace."""

    code = models.CharField("code", max_length=20, unique=True)
    name = models.CharField("nom", max_length=200)

    class Meta:
        verbose_name = "établissement"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class IdentityStatus(models.TextChoices):
    """RNIV confidence statuses (RNIV [EXI SI 07])."""

    PROVISIONAL = "PROV", "Identité provisoire"
    RETRIEVED = "RECUP", "Identité récupérée"
    VALIDATED = "VALI", "Identité validée"
    QUALIFIED = "QUAL", "Identité qualifiée"


class Sex(models.TextChoices):
    MALE = "M", "Masculin"
    FEMALE = "F", "Féminin"
    UNDETERMINED = "I", "Indéterminé"
    UNKNOWN = "", "Non renseigné"


class CollectionMethod(models.TextChoices):
    """How the identity was collected (FR Core fr-core-cs-method-collection, plus interop/import)."""

    MANUAL = "SM", "Saisie manuelle"
    VITALE = "CV", "Carte Vitale"
    INSI = "INSI", "Téléservice INSi"
    DATAMATRIX = "CB", "Datamatrix INS"
    VITALE_APP = "AV", "Appli carte Vitale"
    INTEROP = "INTEROP", "Interopérabilité"
    IMPORT = "IMPORT", "Import de fichier"


class InsOid(models.TextChoices):
    """Assigning authorities of the INS matricule (never inferred from the first digit)."""

    NIR = "1.2.250.1.213.1.4.8", "INS-NIR"
    NIA = "1.2.250.1.213.1.4.9", "INS-NIA"
    NIR_TEST = "1.2.250.1.213.1.4.10", "INS-NIR de test"
    NIR_DEMO = "1.2.250.1.213.1.4.11", "INS-NIR de démonstration"


class IdentityQuerySet(models.QuerySet):
    def active(self) -> IdentityQuerySet:
        return self.filter(is_active=True)

    def with_ins(self) -> IdentityQuerySet:
        return self.exclude(ins_matricule="")


class PatientIdentity(models.Model):
    """One patient identity in one facility, identified locally by its IPP (source_id)."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="identities",
                                 verbose_name="établissement")
    source_id = models.CharField("IPP", max_length=64)

    # Strict traits (traits stricts).
    birth_name = models.CharField("nom de naissance", max_length=100, blank=True)
    first_names = models.CharField("prénoms de naissance", max_length=200, blank=True,
                                   help_text="Tous les prénoms de naissance, séparés par des espaces.")
    first_name = models.CharField("premier prénom de naissance", max_length=100, blank=True)
    birth_date = models.CharField("date de naissance", max_length=10, blank=True,
                                  help_text="AAAA-MM-JJ ; jour ou mois à 00 si inconnus.")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)
    birth_place = models.CharField("lieu de naissance (code INSEE)", max_length=5, blank=True)

    # Complementary traits and contact.
    used_name = models.CharField("nom utilisé", max_length=100, blank=True)
    used_first_name = models.CharField("prénom utilisé", max_length=100, blank=True)
    address = models.CharField("adresse", max_length=200, blank=True)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)

    # NIR as declared locally (Vitale, file, typed): a hint, not an INS.
    nir = models.CharField("NIR déclaré", max_length=15, blank=True)

    # The INS, obtained from INSi (or an equivalent qualified source).
    ins_matricule = models.CharField("matricule INS", max_length=15, blank=True,
                                     help_text="13 caractères et la clé.")
    ins_oid = models.CharField("OID du matricule INS", max_length=32, choices=InsOid.choices, blank=True)
    ins_obtained_at = models.DateTimeField("INS obtenu le", null=True, blank=True)
    insi_queried_at = models.DateTimeField("dernière interrogation INSi", null=True, blank=True)
    # True while the strict traits are those returned by INSi (the INSi source is active).
    traits_from_insi = models.BooleanField("traits issus de l'INSi", default=False)

    # The admission service (unit) that created the identity: the CIV follows its figures per service.
    admission_service = models.CharField("service d'admission", max_length=ADMISSION_SERVICE_MAX, blank=True)
    collection_method = models.CharField("mode de recueil", max_length=8, choices=CollectionMethod.choices,
                                         default=CollectionMethod.MANUAL)
    status = models.CharField("statut", max_length=5, choices=IdentityStatus.choices,
                              default=IdentityStatus.PROVISIONAL, editable=False)
    is_doubtful = models.BooleanField("identité douteuse", default=False)
    is_fictitious = models.BooleanField("identité fictive", default=False)
    is_homonym = models.BooleanField("homonyme avéré", default=False)

    is_active = models.BooleanField("active", default=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_identities", verbose_name="fusionnée dans")
    # Optimistic concurrency: bumped by every service write.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = IdentityQuerySet.as_manager()

    class Meta:
        verbose_name = "identité patient"
        verbose_name_plural = "identités patient"
        ordering = ["birth_name", "first_name", "birth_date"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "source_id"], name="identity_unique_ipp_per_facility"),
            models.CheckConstraint(condition=~Q(is_doubtful=True, is_fictitious=True),
                                   name="identity_not_doubtful_and_fictitious"),
            models.CheckConstraint(
                condition=Q(is_doubtful=False, is_fictitious=False) | Q(status=IdentityStatus.PROVISIONAL),
                name="identity_doubtful_or_fictitious_is_provisional"),
        ]
        indexes = [
            # Search by name and birth date (agent search, admin).
            models.Index(fields=["birth_name", "birth_date"], name="identity_name_birth"),
            # Search by birth date alone.
            models.Index(fields=["birth_date"], name="identity_birth_date"),
            # INS lookup and collision detection (same INS on two identities).
            models.Index(fields=["ins_matricule"], name="identity_ins"),
            models.Index(fields=["nir"], name="identity_nir"),
            # Dashboards: counts by status among active identities.
            models.Index(fields=["is_active", "status"], name="identity_active_status"),
            # Dashboard flows of a period: identities created, and seen (created or modified), since a date.
            models.Index(fields=["created_at"], name="identity_created"),
            models.Index(fields=["updated_at"], name="identity_updated"),
        ]
        permissions = [
            ("qualify_patientidentity", "Peut enregistrer une pièce d'identité et qualifier"),
            ("request_insi_patientidentity", "Peut interroger le téléservice INSi"),
            ("unlock_patientidentity", "Peut déverrouiller les traits stricts d'une identité qualifiée"),
            ("set_attributes_patientidentity", "Peut poser les attributs douteuse, fictive, homonyme"),
            ("view_history_patientidentity", "Peut consulter l'historique et la traçabilité"),
        ]

    def __str__(self) -> str:
        return f"{self.birth_name} {self.first_name} ({self.birth_date or '?'}) IPP {self.source_id}"

    @property
    def first_names_list(self) -> list[str]:
        return self.first_names.split()

    @property
    def is_qualified(self) -> bool:
        return self.status == IdentityStatus.QUALIFIED

    @property
    def insi_forbidden(self) -> bool:
        """Douteuse or fictive identities must never be sent to INSi (RNIV)."""
        return self.is_doubtful or self.is_fictitious

    @property
    def attributes(self) -> list[str]:
        """FR Core comment codes of the identity attributes."""
        codes = [("DOUT", self.is_doubtful), ("FICT", self.is_fictitious), ("HOMA", self.is_homonym)]
        return [code for code, present in codes if present]


class InsHistory(models.Model):
    """A previous (or historic) INS matricule of an identity: INSHISTO, replaced NIA, merged identity."""

    class Origin(models.TextChoices):
        INSI_HISTORY = "insi", "Historique INSi (INSHISTO)"
        REPLACED = "replaced", "Matricule remplacé"
        MERGE = "merge", "Identité fusionnée"

    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="ins_history")
    matricule = models.CharField("matricule", max_length=15)
    oid = models.CharField("OID", max_length=32, choices=InsOid.choices)
    valid_from = models.DateField("début", null=True, blank=True)
    valid_until = models.DateField("fin", null=True, blank=True)
    origin = models.CharField("origine", max_length=10, choices=Origin.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ancien matricule INS"
        verbose_name_plural = "anciens matricules INS"
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["identity", "matricule", "oid"], name="ins_history_unique"),
        ]
        # Duplicate search on historical INS.
        indexes = [models.Index(fields=["matricule"], name="ins_history_matricule")]

    def __str__(self) -> str:
        return f"{self.matricule} ({self.get_oid_display()})"


class DocumentType(models.TextChoices):
    """Identity proof types (HL7 table IHE-ZFD-7 / FR Core fr-core-mode-validation-identite)."""

    PASSPORT = "PA", "Passeport"
    ID_CARD = "CN", "Carte nationale d'identité"
    RESIDENCE_PERMIT = "CS", "Titre de séjour"
    BIRTH_EXTRACT = "AN", "Extrait d'acte de naissance"
    FAMILY_BOOK = "LE", "Livret de famille"
    EUROPEAN_CARD = "CE", "Carte européenne"
    TRAVEL_BOOKLET = "CC", "Carnet de circulation"
    MILITARY_CARD = "CM", "Carte militaire"
    DRIVING_LICENCE = "PC", "Permis de conduire"


class IdentityProof(models.Model):
    """An identity document checked by a person against the traits."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="proofs")
    document_type = models.CharField("type de pièce", max_length=2, choices=DocumentType.choices)
    high_trust = models.BooleanField("haut niveau de confiance", editable=False)
    expires_on = models.DateField("date d'expiration", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="vérifiée par")
    checked_at = models.DateTimeField("vérifiée le")
    is_active = models.BooleanField("active", default=True)
    comment = models.CharField("commentaire", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "pièce d'identité vérifiée"
        verbose_name_plural = "pièces d'identité vérifiées"
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} ({self.checked_at:%d/%m/%Y})"


class IdentityEvent(models.Model):
    """A business event: who decided what about an identity, and why. Written by services only."""

    class Kind(models.TextChoices):
        CREATED = "identity.created", "Identité créée"
        IMPORTED = "identity.imported", "Identité importée"
        TRAITS_CHANGED = "identity.traits_changed", "Traits modifiés"
        STATUS_CHANGED = "identity.status_changed", "Statut modifié"
        ATTRIBUTES_CHANGED = "identity.attributes_changed", "Attributs modifiés"
        UNLOCKED = "identity.unlocked", "Traits stricts déverrouillés"
        PROOF_RECORDED = "proof.recorded", "Pièce d'identité enregistrée"
        PROOF_WITHDRAWN = "proof.withdrawn", "Pièce d'identité retirée"
        INS_CHANGED = "ins.changed", "INS modifié"
        INSI_REQUESTED = "insi.requested", "Interrogation INSi demandée"
        INSI_SUCCEEDED = "insi.succeeded", "INS récupéré par l'INSi"
        INSI_NOT_FOUND = "insi.not_found", "Aucune identité INSi"
        INSI_SEVERAL = "insi.several", "Plusieurs identités INSi"
        INSI_FAILED = "insi.failed", "Échec de l'appel INSi"
        INSI_VERIFIED = "insi.verified", "INS vérifié"
        MERGED = "identity.merged", "Identité fusionnée"
        UNMERGED = "identity.unmerged", "Fusion annulée"
        DUPLICATE_DISMISSED = "duplicate.dismissed", "Pas un doublon"
        COLLISION_FLAGGED = "collision.flagged", "Collision signalée"

    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField("motif", max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "événement"
        ordering = ["-created_at", "-id"]
        # Timeline of one identity; event feed by kind.
        indexes = [models.Index(fields=["identity", "-created_at"], name="event_identity_time"),
                   models.Index(fields=["kind", "created_at"], name="event_kind_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.created_at:%d/%m/%Y %H:%M}"


class InsiRequest(models.Model):
    """An asynchronous INSi search or verification asked for one identity; followed by the agent or the API."""

    class Kind(models.TextChoices):
        SEARCH = "search", "Recherche par traits"
        VITALE = "vitale", "Recherche par carte Vitale"
        VERIFY = "verify", "Vérification de l'INS"

    class State(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminée"
        FAILED = "failed", "Échec"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="insi_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Outcome: 00/01/02 for a search; confirmed/changed/not_found for a verification; error otherwise.
    outcome = models.CharField(max_length=20, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # Returned traits and their differences with the local ones, shown to the agent.
    result = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    campaign = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "demande INSi"
        verbose_name_plural = "demandes INSi"
        ordering = ["-created_at"]
        # Latest request of an identity; dashboards by day and outcome.
        indexes = [models.Index(fields=["identity", "-created_at"], name="insi_request_identity"),
                   models.Index(fields=["created_at", "outcome"], name="insi_request_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_state_display()}"


class InsiCall(models.Model):
    """One SOAP call to the INSi teleservice, for traceability. Holds no traits and no envelope."""

    request = models.ForeignKey(InsiRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    identity = models.ForeignKey(PatientIdentity, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="insi_calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    message_id = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=64)
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, help_text="00, 01, 02, temporary or rejected")
    fault_code = models.CharField(max_length=40, blank=True, help_text="siram_* subcode")
    fault_detail = models.CharField(max_length=40, blank=True, help_text="desir_* / insi_* code")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "appel INSi"
        verbose_name_plural = "appels INSi"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome} ({self.duration_ms} ms)"


class ApiToken(models.Model):
    """A bearer token for another hospital system, stored as its SHA-256 only; revoked, never deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="utilisateur")
    name = models.CharField("nom", max_length=100, blank=True)
    # The first characters, shown in the admin to tell tokens apart; not enough to use one.
    prefix = models.CharField("préfixe", max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
