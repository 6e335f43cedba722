"""The REST API router, mounted at /api/v1/."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from identities.api.views import IdentityViewSet, InsiRequestViewSet
from vigilance.api.feed import EventFeedView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("identities", IdentityViewSet, basename="identity")
router.register("insi-requests", InsiRequestViewSet, basename="insi-request")

urlpatterns = [
    *router.urls,
    path("events/", EventFeedView.as_view(), name="event-feed"),
]
