"""The timeline of one identity: row history (what changed) merged with business events (who decided, why).

A read-only selector: two queries for the history and the events, diffs computed
in memory between consecutive history rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from identities.models import IdentityEvent, PatientIdentity

# Bookkeeping columns that say nothing to a person reading the timeline.
_HIDDEN = {"version", "id", "created_at", "created_by"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "history" or "event"
    title: str
    actor: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def _user_label(user) -> str:
    if user is None:
        return "Système"
    return user.get_full_name() or user.username


def _history_entries(identity: PatientIdentity) -> list[TimelineEntry]:
    records = list(identity.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = {f.name: str(f.verbose_name) for f in PatientIdentity._meta.fields}
    entries, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [Change(labels.get(c.field, c.field), _show(c.old), _show(c.new))
                       for c in delta.changes if c.field not in _HIDDEN]
        title = {"+": "Création de la fiche", "~": "Modification de la fiche", "-": "Suppression"}[record.history_type]
        if previous is None or changes or record.history_type != "~":
            entries.append(TimelineEntry(at=record.history_date, kind="history", title=title,
                                         actor=_user_label(record.history_user),
                                         reason=record.history_change_reason or "", changes=changes))
        previous = record
    return entries


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "oui"
    if value is False:
        return "non"
    return str(value)


def _event_entries(identity: PatientIdentity) -> list[TimelineEntry]:
    events = IdentityEvent.objects.filter(identity=identity).select_related("actor")
    return [TimelineEntry(at=e.created_at, kind="event", title=e.get_kind_display(), actor=_user_label(e.actor),
                          reason=e.reason, details=_event_details(e.data)) for e in events]


_DATA_LABELS = {"before": "avant", "after": "après", "document_type": "pièce", "high_trust": "haut niveau de confiance",
                "expires_on": "expire le", "collection_method": "mode de recueil", "outcome": "résultat",
                "survivor": "identité conservée", "merged": "identité fusionnée", "request": "demande"}


def _label(key: str) -> str:
    if key in _DATA_LABELS:
        return _DATA_LABELS[key]
    try:
        return str(PatientIdentity._meta.get_field(key).verbose_name)
    except Exception:  # not a field: show the key as is
        return key


def _event_details(data: dict) -> dict[str, str]:
    """Event data as short labelled strings; trait changes become 'before → after'."""
    details = {}
    for key, value in (data or {}).items():
        if key == "changes" and isinstance(value, dict):
            details.update({_label(name): f"{_show(pair[0])} → {_show(pair[1])}" for name, pair in value.items()})
        elif isinstance(value, list):
            details[_label(key)] = ", ".join(map(str, value)) or "—"
        elif isinstance(value, dict):
            details[_label(key)] = ", ".join(f"{_label(k)} : {_show(v)}" for k, v in value.items())
        else:
            details[_label(key)] = _show(value)
    return details


def identity_timeline(*, identity: PatientIdentity) -> list[TimelineEntry]:
    """Every change and every business event of the identity, newest first."""
    entries = _history_entries(identity) + _event_entries(identity)
    return sorted(entries, key=lambda e: e.at, reverse=True)
