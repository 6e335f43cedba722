"""Revoke API tokens by their prefix (as printed by issue_api_token), or all tokens of a user."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from identities.models import ApiToken
from identities.services.api_tokens import api_token_revoke


class Command(BaseCommand):
    help = "Révoque un jeton d'API (par son préfixe) ou tous les jetons d'un utilisateur (--user)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", nargs="?", default="")
        parser.add_argument("--user", default="", help="Révoquer tous les jetons actifs de cet utilisateur.")

    def handle(self, *args, prefix: str, user: str, **options):
        if not prefix and not user:
            raise CommandError("Donnez le préfixe du jeton (insp_…) ou --user USERNAME.")
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        tokens = tokens.filter(prefix=prefix[:12]) if prefix else tokens.filter(user__username=user)
        revoked = [api_token_revoke(token=t) for t in tokens]
        if not revoked:
            raise CommandError("Aucun jeton actif ne correspond.")
        self.stdout.write(f"{len(revoked)} jeton(s) révoqué(s).")
