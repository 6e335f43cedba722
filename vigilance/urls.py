from django.urls import path

from . import views

app_name = "vigilance"

urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("pairs/<uuid:a>/<uuid:b>/", views.CandidateView.as_view(), name="candidate"),
    path("pairs/<uuid:a>/<uuid:b>/merge/", views.MergeView.as_view(), name="merge"),
    path("pairs/<uuid:a>/<uuid:b>/decide/", views.DecisionView.as_view(), name="decide"),
    path("pairs/<uuid:a>/<uuid:b>/take/", views.TakeView.as_view(), name="take"),
    path("merges/", views.MergeListView.as_view(), name="merge_list"),
    path("identities/<uuid:public_id>/unmerge/", views.UnmergeView.as_view(), name="unmerge"),
    path("identities/<uuid:public_id>/split/", views.SplitView.as_view(), name="split"),
]
