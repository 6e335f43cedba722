"""Identity pages: create (with possible-existing warnings), detail, edit, attributes, timeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import IntegrityError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from identities.exceptions import IdentityError
from identities.forms import TRAIT_NAMES, AttributesForm, IdentityCreateForm, IdentityUpdateForm
from identities.hooks import possible_existing_identities
from identities.models import Facility
from identities.rules.identity import STRICT_TRAITS
from identities.services.identities import identity_create, identity_set_attributes, identity_update
from identities.timeline import identity_timeline

from .common import IdentityPageMixin
from .insi_display import insi_comparison


class IdentityCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Create; a first submit that looks like an existing identity (or an odd NIR) asks for confirmation."""

    permission_required = "identities.add_patientidentity"
    template_name = "identities/patientidentity_create.html"

    def get_form(self, form_class=None):
        kwargs = self.get_form_kwargs()
        show = self.request.method == "POST" and bool(self.request.POST.get("confirm_shown"))
        return IdentityCreateForm(show_confirm=show, **kwargs)

    def get_initial(self):
        initial = {"facility": Facility.objects.first()}
        query = self.request.GET.get("q", "")
        if query and not any(c.isdigit() for c in query):
            initial["birth_name"] = query
        initial["birth_date"] = self.request.GET.get("birth_date", "")
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        possible = possible_existing_identities(form.clean_identity, facility=data["facility"], user=self.request.user)
        if (possible or form.warnings) and not data["confirm"]:
            form = IdentityCreateForm(show_confirm=True, data=self.request.POST)
            form.is_valid()
            return self.render_to_response(self.get_context_data(
                form=form, possible=possible, warnings=form.warnings, confirm_shown=True))
        try:
            identity = identity_create(facility=data["facility"], data=form.clean_identity,
                                       acting_user=self.request.user, source_id=data["source_id"],
                                       admission_service=data["admission_service"])
        except IntegrityError:
            form.add_error("source_id", "Cet IPP existe déjà dans cet établissement.")
            return self.form_invalid(form)
        messages.success(self.request, f"Identité créée (IPP {identity.source_id}), statut provisoire.")
        for warning in form.warnings:
            messages.warning(self.request, warning)
        return redirect("identities:detail", public_id=identity.public_id)


class IdentityDetailView(IdentityPageMixin, TemplateView):
    permission_required = "identities.view_patientidentity"
    template_name = "identities/patientidentity_detail.html"

    def get_context_data(self, **kwargs):
        identity = self.identity
        requests = list(identity.insi_requests.select_related("requested_by")[:5])
        return super().get_context_data(
            proofs=identity.proofs.select_related("checked_by"),
            ins_history=identity.ins_history.all(),
            insi_requests=requests,
            insi_rows=insi_comparison(identity, requests[0]) if requests else [],
            merged_into=identity.merged_into,
            old_identities=identity.merged_identities.all(),
            **kwargs)


class IdentityUpdateView(IdentityPageMixin, FormView):
    permission_required = "identities.change_patientidentity"
    template_name = "identities/patientidentity_update.html"

    def get(self, request, *args, **kwargs):
        if not self.identity.is_active:
            messages.error(request, "Cette identité est désactivée (fusionnée) : elle ne se modifie plus.")
            return redirect("identities:detail", public_id=self.identity.public_id)
        return super().get(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return IdentityUpdateForm(locked=self.identity.is_qualified,
                                  can_unlock=self.request.user.has_perm("identities.unlock_patientidentity"),
                                  **self.get_form_kwargs())

    def get_initial(self):
        initial = {name: getattr(self.identity, name) for name in TRAIT_NAMES}
        return {**initial, "expected_version": self.identity.version}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            identity_url=reverse("identities:detail", args=[self.identity.public_id]),
            locked=self.identity.is_qualified, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        if not self.identity.is_active:
            messages.error(self.request, "Cette identité est désactivée (fusionnée) : elle ne se modifie plus.")
            return redirect("identities:detail", public_id=self.identity.public_id)
        try:
            identity_update(identity=self.identity, data=form.clean_identity, acting_user=self.request.user,
                            expected_version=data["expected_version"], reason=data["reason"],
                            unlock=bool(data.get("unlock")))
        except IdentityError as exc:
            form.add_error("unlock" if "unlock" in form.fields and _touches_strict(form) else None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Modifications enregistrées.")
        return redirect("identities:detail", public_id=self.identity.public_id)


def _touches_strict(form) -> bool:
    return any(name in form.changed_data for name in STRICT_TRAITS)


class IdentityAttributesView(IdentityPageMixin, FormView):
    permission_required = "identities.set_attributes_patientidentity"
    template_name = "identities/patientidentity_attributes.html"
    form_class = AttributesForm

    def get_initial(self):
        i = self.identity
        return {"is_doubtful": i.is_doubtful, "is_fictitious": i.is_fictitious, "is_homonym": i.is_homonym,
                "expected_version": i.version}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            identity_set_attributes(identity=self.identity, is_doubtful=data["is_doubtful"],
                                    is_fictitious=data["is_fictitious"], is_homonym=data["is_homonym"],
                                    acting_user=self.request.user, reason=data["reason"],
                                    expected_version=data["expected_version"])
        except IdentityError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Attributs enregistrés.")
        return redirect("identities:detail", public_id=self.identity.public_id)


class IdentityTimelineView(IdentityPageMixin, TemplateView):
    permission_required = ("identities.view_patientidentity", "identities.view_history_patientidentity")
    template_name = "identities/patientidentity_timeline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(entries=identity_timeline(identity=self.identity), **kwargs)
