"""The signed-in user's home: search before create, and a glance at the worklists."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from identities.forms import SearchForm
from identities.models import PatientIdentity
from identities.selectors import identity_search


class HomeView(LoginRequiredMixin, ListView):
    """Search by name, birth date, INS/NIR or IPP. Every signed-in user lands here; results need a role."""

    template_name = "identities/home.html"
    paginate_by = 25
    context_object_name = "identities"

    def get_queryset(self):
        self.form = SearchForm(self.request.GET or None)
        self.searched = self.form.is_valid() and any(
            self.form.cleaned_data.get(k) for k in ("q", "birth_date"))
        if not self.searched:
            return PatientIdentity.objects.none()
        data = self.form.cleaned_data
        return identity_search(user=self.request.user, query=data["q"], birth_date=data["birth_date"],
                               include_inactive=data["include_inactive"])

    def get_context_data(self, **kwargs):
        params = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            form=self.form, searched=self.searched, querystring=urlencode(params) + "&" if params else "",
            create_query=urlencode({k: params[k] for k in ("q", "birth_date") if k in params}),
            has_role=self.request.user.has_perm("identities.view_patientidentity"),
            **kwargs)
