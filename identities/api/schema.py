"""OpenAPI post-processing: every operation documents the common error shape and codes."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "errors"],
    "properties": {
        "code": {"type": "string", "description": "Code stable, lisible par une machine."},
        "message": {"type": "string", "description": "Ce qu'il faut faire, pour une personne."},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Erreurs par champ."},
    },
}
DESCRIPTIONS = {
    "400": "Entrée invalide : `errors` donne, par champ, ce qu'il faut corriger.",
    "401": "Jeton absent, inconnu ou révoqué.",
    "403": "Le rôle ne permet pas cette action.",
    "404": "Introuvable (ou non visible avec ces droits : les deux cas ne se distinguent pas), "
           "ou page au-delà de la dernière.",
    "409": "Conflit : version dépassée, traits verrouillés ou transition impossible.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403"]
            params = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in params:  # a missing object, or a page past the end
                codes.append("404")
            if method in ("post", "patch", "put"):
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": ref})
    return result
