"""The CIV dashboard, mounted at /dashboard/ (architecture contract)."""

from django.urls import path

from . import views_dashboard as views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path("csv/<slug:name>.csv", views.DashboardCsvView.as_view(), name="csv"),
    path("table/<slug:name>/", views.DashboardTableView.as_view(), name="table"),
    path("export/monthly.csv", views.MonthlyExportView.as_view(), name="monthly"),
    path("identities/", views.DashboardIdentityListView.as_view(), name="identities"),
]
