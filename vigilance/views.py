"""CIV pages: the duplicate worklist, a pair side by side with its decisions, merges and their undoing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView

from identities.exceptions import IdentityError
from identities.forms import IdentityTraitsForm
from identities.views.common import IdentityPageMixin, identity_get_or_404
from vigilance import merging
from vigilance.forms import DecisionForm, MergeForm, ReasonForm, WorklistFilterForm
from vigilance.models import CandidateState, DuplicateCandidate
from vigilance.worklist import candidate_age_days, merges_list, pair_rows, score_reasons, worklist_for


class WorklistView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "vigilance.view_duplicatecandidate"
    template_name = "vigilance/worklist.html"
    context_object_name = "candidates"
    paginate_by = 20

    def get_queryset(self):
        self.form = WorklistFilterForm(self.request.GET or None)
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return worklist_for(user=self.request.user, state=data.get("state") or "", facility=data.get("facility"),
                            min_score=data.get("min_score"), mine=bool(data.get("mine")))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, **kwargs)
        context["items"] = [(c, candidate_age_days(c)) for c in context["candidates"]]
        params = self.request.GET.copy()
        params.pop("page", None)
        context["querystring"] = params.urlencode() + "&" if params else ""
        return context


def _candidate_or_404(user, a, b) -> DuplicateCandidate:
    """A pair is addressed by its two identities' public ids; both must be visible to the user."""
    identity_a, identity_b = identity_get_or_404(user, a), identity_get_or_404(user, b)
    return get_object_or_404(DuplicateCandidate.objects.select_related("owner", "decided_by"),
                             identity_a=identity_a, identity_b=identity_b)


class CandidateView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The two identities side by side, differences highlighted, reasons of the score, and the decisions."""

    permission_required = "vigilance.view_duplicatecandidate"
    template_name = "vigilance/candidate_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.candidate = _candidate_or_404(request.user, kwargs["a"], kwargs["b"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # The URL's identity ids are not context: the page shows the pair it loaded.
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        c = self.candidate
        rows = pair_rows(c.identity_a, c.identity_b)
        differing = [r.name for r in rows if r.differs and r.name in merging.MERGEABLE_TRAITS]
        return super().get_context_data(
            candidate=c, a=c.identity_a, b=c.identity_b, rows=rows, reasons=score_reasons(c),
            age=candidate_age_days(c), is_open=c.state == CandidateState.OPEN,
            merge_form=kwargs.pop("merge_form", None) or MergeForm(initial={"survivor": "a"}, differing=differing),
            decision_form=kwargs.pop("decision_form", None) or DecisionForm(), **kwargs)


class _CandidateActionView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """POST-only decision on a pair: validate, call one service, add a message, redirect."""

    http_method_names = ["post"]

    def post(self, request, a, b):
        candidate = _candidate_or_404(request.user, a, b)
        back = reverse("vigilance:candidate", args=[a, b])
        try:
            return self.decide(request, candidate) or redirect(back)
        except IdentityError as exc:
            messages.error(request, str(exc))
            return redirect(back)

    def rerender(self, request, candidate, **forms):
        view = CandidateView(request=request, kwargs={}, candidate=candidate)
        return view.render_to_response(view.get_context_data(**forms))


class MergeView(_CandidateActionView):
    permission_required = "vigilance.merge_patientidentity"

    def decide(self, request, candidate):
        rows = pair_rows(candidate.identity_a, candidate.identity_b)
        form = MergeForm(request.POST, differing=[r.name for r in rows if r.differs
                                                  and r.name in merging.MERGEABLE_TRAITS])
        if not form.is_valid():
            return self.rerender(request, candidate, merge_form=form)
        sides = {"a": candidate.identity_a, "b": candidate.identity_b}
        survivor = sides[form.cleaned_data["survivor"]]
        merged = sides["b" if form.cleaned_data["survivor"] == "a" else "a"]
        merging.identity_merge(survivor=survivor, merged=merged, acting_user=request.user,
                               trait_choices=form.trait_choices(), reason=form.cleaned_data["reason"],
                               candidate=candidate)
        messages.success(request, f"Identités fusionnées : l'IPP {merged.source_id} est désormais un ancien "
                                  f"identifiant de l'IPP {survivor.source_id}. La fusion peut être annulée.")
        return redirect("identities:detail", public_id=survivor.public_id)


_DECISIONS = {
    "dismiss": (merging.candidate_dismiss, "Décision enregistrée : pas un doublon. Cette paire ne sera plus proposée."),
    "homonyms": (merging.candidate_homonyms, "Décision enregistrée : homonymes, les deux identités sont marquées."),
    "collision": (merging.candidate_flag_collision, "Collision signalée : séparez les identités mélangées."),
}


class DecisionView(_CandidateActionView):
    permission_required = "vigilance.change_duplicatecandidate"

    def decide(self, request, candidate):
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.rerender(request, candidate, decision_form=form)
        service, message = _DECISIONS[form.cleaned_data["decision"]]
        service(candidate=candidate, acting_user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, message)
        return redirect("vigilance:worklist")


class TakeView(_CandidateActionView):
    """Take the pair in hand (owner)."""

    permission_required = "vigilance.change_duplicatecandidate"

    def decide(self, request, candidate):
        from vigilance.services import duplicate_candidate_assign

        duplicate_candidate_assign(candidate=candidate, owner=request.user, acting_user=request.user)
        messages.success(request, "Vous avez pris ce dossier en charge.")


class MergeListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "vigilance.view_duplicatecandidate"
    template_name = "vigilance/merge_list.html"
    context_object_name = "merges"
    paginate_by = 20

    def get_queryset(self):
        return merges_list() if self.request.user.has_perm("identities.view_patientidentity") else merges_list().none()


class UnmergeView(IdentityPageMixin, FormView):
    """Confirm with a reason, then undo the merge of this (merged) identity."""

    permission_required = "vigilance.merge_patientidentity"
    template_name = "vigilance/unmerge.html"

    def get_form(self, form_class=None):
        return ReasonForm(submit_label="Annuler la fusion", **self.get_form_kwargs())

    def form_valid(self, form):
        try:
            record = merging.identity_unmerge(merged=self.identity, acting_user=self.request.user,
                                              reason=form.cleaned_data["reason"])
        except IdentityError as exc:
            messages.error(self.request, str(exc))
            return redirect("identities:detail", public_id=self.identity.public_id)
        messages.success(self.request, f"Fusion annulée : les identités IPP {record.survivor.source_id} et "
                                       f"IPP {record.merged.source_id} sont restaurées.")
        return redirect("identities:detail", public_id=self.identity.public_id)


class SplitView(IdentityPageMixin, FormView):
    """Collision: create the second person's identity and move the proofs that belong to them."""

    permission_required = "vigilance.merge_patientidentity"
    template_name = "vigilance/split.html"

    def get_form(self, form_class=None):
        form = IdentityTraitsForm(**self.get_form_kwargs())
        form.fields["reason"] = ReasonForm().fields["reason"]
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(proofs=self.identity.proofs.all(), **kwargs)

    def form_valid(self, form):
        proof_ids = [int(p) for p in self.request.POST.getlist("proofs") if p.isdigit()]
        try:
            other = merging.identity_split(identity=self.identity, data=form.clean_identity,
                                           acting_user=self.request.user, reason=form.cleaned_data["reason"],
                                           proof_ids=proof_ids)
        except IdentityError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Identité séparée : nouvelle identité IPP {other.source_id}.")
        return redirect("identities:detail", public_id=other.public_id)
