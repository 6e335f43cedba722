from django.urls import path

from . import views

app_name = "identities"

urlpatterns = [
    path("identities/new/", views.IdentityCreateView.as_view(), name="create"),
    path("identities/<uuid:public_id>/", views.IdentityDetailView.as_view(), name="detail"),
    path("identities/<uuid:public_id>/edit/", views.IdentityUpdateView.as_view(), name="update"),
    path("identities/<uuid:public_id>/attributes/", views.IdentityAttributesView.as_view(), name="attributes"),
    path("identities/<uuid:public_id>/timeline/", views.IdentityTimelineView.as_view(), name="timeline"),
    path("identities/<uuid:public_id>/proofs/new/", views.ProofCreateView.as_view(), name="proof_create"),
    path("identities/<uuid:public_id>/insi/search/", views.insi_search, name="insi_search"),
    path("identities/<uuid:public_id>/insi/verify/", views.insi_verify, name="insi_verify"),
]
