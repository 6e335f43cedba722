"""Display of traits the way French agents read them: dates as JJ/MM/AAAA (00 kept), places by name."""

from __future__ import annotations

from django import template

from identities.referential import birth_place_get

register = template.Library()


@register.filter
def birth_date_fr(value: str) -> str:
    """'1997-02-26' → '26/02/1997'; an incomplete date keeps its 00 ('00/00/1950')."""
    if not value or len(value) != 10:
        return value or ""
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


@register.filter
def birth_place_label(code: str) -> str:
    """'63113' → 'Clermont-Ferrand (63113)'; an unknown code is shown as it is."""
    place = birth_place_get(code) if code else None
    return f"{place.name} ({code})" if place else (code or "")
