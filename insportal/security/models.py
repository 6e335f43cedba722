"""Access traceability: who read which identity, when, through which channel, from where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessChannel(models.TextChoices):
    PAGE = "page", "page"
    API = "api", "API"
    FHIR = "fhir", "FHIR"


class AccessLog(models.Model):
    """One read of one identity. Only identifiers: never traits, never query strings (they may hold traits)."""

    at = models.DateTimeField("le", default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="utilisateur")
    # Kept as text so that the trace outlives the account.
    username = models.CharField("identifiant", max_length=150)
    # Not a foreign key: the trace outlives the identity (merge, purge) and is written without a query.
    identity_public_id = models.UUIDField("identité")
    channel = models.CharField("canal", max_length=4, choices=AccessChannel.choices)
    view_name = models.CharField("vue", max_length=100)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    class Meta:
        verbose_name = "accès à une identité"
        verbose_name_plural = "accès aux identités"
        ordering = ["-at", "-id"]
        indexes = [
            # "Who read this patient?" (auditor filter, patient export).
            models.Index(fields=["identity_public_id", "-at"], name="access_identity_time"),
            # The auditor's list by date and the retention purge.
            models.Index(fields=["-at"], name="access_time"),
            models.Index(fields=["username", "-at"], name="access_user_time"),
        ]
        permissions = [("export_patient", "Peut exporter tout ce qui est détenu sur un patient")]

    def __str__(self) -> str:
        return f"{self.username} {self.channel} {self.identity_public_id} {self.at:%Y-%m-%d %H:%M}"
