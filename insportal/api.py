"""The REST API router, mounted at /api/v1/."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from identities.api.views import IdentityViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("identities", IdentityViewSet, basename="identity")

urlpatterns = router.urls
