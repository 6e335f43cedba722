"""One JSON shape for every API error: {"code", "message", "errors": {field: [messages]}}.

Domain errors from the services become 400 (invalid entry) or 409 (stale version,
locked traits, impossible transition); DRF's own errors are reshaped the same way.
"""

from __future__ import annotations

from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from identities.exceptions import IdentityConflict, IdentityError
from identities.rules.identity import IdentityInvalid

MESSAGES = {
    400: "La demande contient des erreurs : corrigez les champs indiqués puis renvoyez-la.",
    401: "Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> ».",
    403: "Votre rôle ne permet pas cette action : demandez les droits nécessaires au référent identitovigilance.",
    404: "Introuvable : vérifiez l'identifiant, ou vos droits sur cette ressource.",
    405: "Méthode HTTP non prise en charge à cette adresse.",
    406: "Format de réponse non pris en charge : demandez application/json.",
    415: "Format de corps non pris en charge : envoyez du JSON (Content-Type: application/json).",
}


def error_response(status_code: int, code: str, message: str, errors: dict | None = None, headers=None) -> Response:
    return Response({"code": code, "message": message, "errors": errors or {}}, status=status_code, headers=headers)


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF details (possibly nested) as a flat {field: [message]} map."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _field_errors(value).items():
                    flat[f"{name}.{sub}"] = msgs
            else:
                flat[str(name)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def api_exception_handler(exc, context):
    if isinstance(exc, IdentityInvalid):
        return error_response(400, "invalid", MESSAGES[400], exc.errors)
    if isinstance(exc, IdentityConflict):
        return error_response(409, exc.code, str(exc), {"version": [str(exc)]})
    if isinstance(exc, IdentityError):
        return error_response(409, exc.code, str(exc))
    if isinstance(exc, ValueError | DataError) and "NUL" in str(exc):
        # PostgreSQL refuses NUL characters in text: a bad input, whichever parameter carried it.
        return error_response(400, "invalid", "Caractère NUL (0x00) interdit dans les paramètres et les champs.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Allow", "Retry-After")}
    if isinstance(exc, exceptions.ValidationError):
        return error_response(400, "invalid", MESSAGES[400], _field_errors(exc.detail), headers)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code if isinstance(code, str) else "error"
    message = str(exc.detail) if isinstance(exc, exceptions.APIException) else ""
    if isinstance(exc, exceptions.NotAuthenticated) or response.status_code in (
            status.HTTP_404_NOT_FOUND, status.HTTP_405_METHOD_NOT_ALLOWED, 406, 415):
        message = MESSAGES[response.status_code]
    return error_response(response.status_code, code, message or MESSAGES.get(response.status_code, ""), None, headers)


def api_not_found(request, *args, **kwargs):
    """Any unknown address under /api/v1/: the same JSON 404 as a missing object."""
    from django.http import JsonResponse

    message = MESSAGES[404] + " Les adresses de l'API se terminent par « / » (voir /api/docs/)."
    return JsonResponse({"code": "not_found", "message": message, "errors": {}}, status=404)
