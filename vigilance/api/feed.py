"""The event feed that downstream systems poll with a cursor: merges, unmerges, status and INS changes.

The cursor is opaque to clients and always returned, so a poller simply sends back the last
one it got. Events younger than FEED_SETTLE_SECONDS are held back: a transaction that took
its id earlier but commits later is then not skipped by a poller that already moved on.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from identities.models import IdentityEvent
from identities.selectors import identity_queryset_for

FEED_KINDS = [IdentityEvent.Kind.MERGED, IdentityEvent.Kind.UNMERGED, IdentityEvent.Kind.STATUS_CHANGED,
              IdentityEvent.Kind.INS_CHANGED]
FEED_SETTLE_SECONDS = 5
# Event data passed on, per kind: identifiers and statuses, never traits nor matricules.
PUBLIC_DATA = {
    IdentityEvent.Kind.MERGED: ("merge", "survivor", "merged", "survivor_ipp", "merged_ipp"),
    IdentityEvent.Kind.UNMERGED: ("merge", "survivor", "merged", "survivor_ipp", "merged_ipp"),
    IdentityEvent.Kind.STATUS_CHANGED: ("before", "after"),
    IdentityEvent.Kind.INS_CHANGED: (),
}


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("e") or not raw[1:].isdigit():
            raise ValueError
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"cursor": ["Curseur invalide : renvoyez celui de la réponse précédente, "
                                          "ou omettez-le pour repartir du début."]}) from None


class FeedEventSerializer(serializers.Serializer):
    cursor = serializers.CharField()
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in FEED_KINDS])
    identity = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    data = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True))


class FeedPageSerializer(serializers.Serializer):
    results = FeedEventSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="À renvoyer au prochain appel.")
    has_more = serializers.BooleanField()


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=40)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)
    kind = serializers.ChoiceField(required=False, choices=[(k.value, k.label) for k in FEED_KINDS])


def _item(event: IdentityEvent) -> dict:
    keys = PUBLIC_DATA.get(event.kind, ())
    return {"cursor": encode_cursor(event.pk), "kind": event.kind, "identity": event.identity.public_id,
            "created_at": event.created_at, "data": {k: event.data.get(k) for k in keys if k in event.data}}


class EventFeedView(APIView):
    permission = "identities.view_identityevent"

    @extend_schema(summary="Flux d'événements (fusions, annulations, statuts, INS) à interroger avec un curseur",
                   parameters=[FeedQuerySerializer], responses=FeedPageSerializer,
                   description="Renvoyez `next_cursor` à l'appel suivant. Les événements des "
                               f"{FEED_SETTLE_SECONDS} dernières secondes apparaissent à l'appel d'après.")
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        after = decode_cursor(params["cursor"]) if params.get("cursor") else 0
        settled = timezone.now() - dt.timedelta(seconds=FEED_SETTLE_SECONDS)
        events = (IdentityEvent.objects.filter(pk__gt=after, created_at__lte=settled,
                                               identity__in=identity_queryset_for(user=request.user))
                  .filter(kind__in=[params["kind"]] if params.get("kind") else FEED_KINDS)
                  .select_related("identity").order_by("pk"))
        rows = list(events[: params["limit"] + 1])
        page = rows[: params["limit"]]
        cursor = encode_cursor(page[-1].pk) if page else params.get("cursor")
        body = {"results": [_item(e) for e in page], "next_cursor": cursor, "has_more": len(rows) > len(page)}
        return Response(FeedPageSerializer(body).data)
