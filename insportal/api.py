"""The REST API router, mounted at /api/v1/."""

from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from identities.api.errors import api_not_found
from identities.api.views import IdentityViewSet, InsiRequestViewSet
from vigilance.api.duplicates import DuplicateCandidateViewSet, MergeViewSet
from vigilance.api.feed import EventFeedView
from vigilance.api.indicators import IndicatorsView, MonthlyIndicatorsView
from vigilance.api.possible import PossibleIdentitiesView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("identities", IdentityViewSet, basename="identity")
router.register("insi-requests", InsiRequestViewSet, basename="insi-request")
router.register("duplicates", DuplicateCandidateViewSet, basename="duplicate")
router.register("merges", MergeViewSet, basename="merge")

urlpatterns = [
    *router.urls,
    path("events/", EventFeedView.as_view(), name="event-feed"),
    path("possible-identities/", PossibleIdentitiesView.as_view(), name="possible-identities"),
    path("indicators/", IndicatorsView.as_view(), name="indicators"),
    path("indicators/monthly/", MonthlyIndicatorsView.as_view(), name="indicators-monthly"),
    re_path(r"", api_not_found),  # last: a JSON 404 for any other address
]
