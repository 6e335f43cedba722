"""`Authorization: Bearer TOKEN` for other systems (tokens from `manage.py issue_api_token`)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from identities.services.api_tokens import api_token_user


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("En-tête Authorization mal formé : envoyez "
                                                  "« Authorization: Bearer <jeton> », sans espace dans le jeton.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Jeton illisible : caractères ASCII seulement.") from None
        user = api_token_user(raw)
        if user is None:
            raise exceptions.AuthenticationFailed(
                "Jeton inconnu ou révoqué : demandez un nouveau jeton à l'administrateur (issue_api_token).")
        return user, raw

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "Jeton émis par `python manage.py issue_api_token USERNAME`."}
