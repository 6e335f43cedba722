from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("access-log/", views.AccessLogView.as_view(), name="access_log"),
    path("patients/<uuid:public_id>/export/", views.PatientExportView.as_view(), name="patient_export"),
]
