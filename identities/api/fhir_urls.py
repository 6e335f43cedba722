from django.urls import path

from identities.api.fhir_views import PatientReadView, PatientSearchView

urlpatterns = [
    path("Patient", PatientSearchView.as_view(), name="fhir-patient-search"),
    path("Patient/<str:public_id>", PatientReadView.as_view(), name="fhir-patient-read"),
]
