from django.urls import path

from . import views

app_name = "vigilance"

urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("merges/", views.MergeListView.as_view(), name="merge_list"),
    path("identities/<uuid:public_id>/unmerge/", views.UnmergeView.as_view(), name="unmerge"),
]
