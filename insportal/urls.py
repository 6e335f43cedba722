from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from identities.views import HomeView

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context={"oidc_enabled": settings.OIDC_ENABLED}),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("insportal.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("fhir/", include("identities.api.fhir_urls")),
    path("", HomeView.as_view(), name="home"),
    path("", include("identities.urls")),
    path("vigilance/", include("vigilance.urls")),
    path("dashboard/", include("vigilance.urls_dashboard")),
    path("security/", include("insportal.security.urls")),
]
if settings.OIDC_ENABLED:  # sign-in through the hospital's identity provider (settings: OIDC_*)
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
