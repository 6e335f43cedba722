"""Qualification: record the identity document checked, and ask INSi (POST-only transitions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from identities.exceptions import IdentityError
from identities.forms import ProofForm
from identities.services.identities import proof_record

from .common import IdentityPageMixin, identity_get_or_404


class ProofCreateView(IdentityPageMixin, FormView):
    permission_required = "identities.add_identityproof"
    template_name = "identities/identityproof_create.html"
    form_class = ProofForm

    def form_valid(self, form):
        if not self.identity.is_active:
            messages.error(self.request, "Cette identité est désactivée (fusionnée).")
            return redirect("identities:detail", public_id=self.identity.public_id)
        proof = proof_record(identity=self.identity, acting_user=self.request.user, **form.cleaned_data)
        if proof.high_trust:
            messages.success(self.request, f"{proof.get_document_type_display()} enregistré(e) : "
                                           "pièce à haut niveau de confiance.")
        else:
            messages.warning(self.request, f"{proof.get_document_type_display()} enregistré(e), mais ce n'est pas "
                                           "une pièce à haut niveau de confiance (ou elle est expirée).")
        return redirect("identities:detail", public_id=self.identity.public_id)


def _insi_transition(request, public_id, service_name: str, done: str):
    identity = identity_get_or_404(request.user, public_id)
    try:
        from identities.services import insi
    except ImportError:
        messages.error(request, "Le service INSi n'est pas encore disponible sur ce portail.")
        return redirect("identities:detail", public_id=public_id)
    try:
        insi_request = getattr(insi, service_name)(identity=identity, acting_user=request.user)
    except IdentityError as exc:
        messages.error(request, str(exc))
    else:
        state = insi_request.get_state_display().lower()
        message = insi_request.message or ""
        messages.info(request, f"{done} (demande {state}). {message}".strip())
    return redirect("identities:detail", public_id=public_id)


@require_POST
@login_required
@permission_required("identities.request_insi_patientidentity", raise_exception=True)
def insi_search(request, public_id):
    """Search the INS by the identity's traits."""
    return _insi_transition(request, public_id, "insi_request_search", "Interrogation INSi envoyée")


@require_POST
@login_required
@permission_required("identities.request_insi_patientidentity", raise_exception=True)
def insi_verify(request, public_id):
    """Verify the identity's INS against INSi."""
    return _insi_transition(request, public_id, "insi_request_verify", "Vérification INSi envoyée")
