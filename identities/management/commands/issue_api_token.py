"""Print a new API token for a user on the last line (architecture contract)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from identities.services.api_tokens import api_token_issue


class Command(BaseCommand):
    help = "Émet un jeton d'API pour USERNAME et l'affiche sur la dernière ligne (il n'est stocké que haché)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="Nom du système qui utilisera le jeton.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Utilisateur « {username} » inconnu : créez-le d'abord (admin ou seed_demo).")
        if not user.is_active:
            raise CommandError(f"L'utilisateur « {username} » est désactivé.")
        token, raw = api_token_issue(user=user, name=name)
        self.stdout.write(f"Jeton {token.prefix}… émis pour {username} ; conservez-le, il ne sera plus affiché :")
        self.stdout.write(raw)
