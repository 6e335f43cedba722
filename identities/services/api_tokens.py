"""API tokens for other hospital systems: issued once in clear, stored as a SHA-256, revoked not deleted."""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
from django.utils import timezone

from identities.models import ApiToken

TOKEN_PREFIX = "insp_"
# A system sends many requests: its user's permission set is reused for this long (a role change
# reaches its tokens within that delay; revoking a token or deactivating the user is immediate).
PERMISSIONS_TTL = 10


def token_hash(raw: str) -> str:
    # A fast hash is enough: the token is 256 random bits, not a password.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the clear value, which is never stored nor shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=token_hash(raw))
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token: requests carrying it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(raw: str):
    """The active user behind a clear token, or None (unknown, revoked, or user deactivated)."""
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=token_hash(raw), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    user = token.user
    key = f"api-token-perms:{token.key_hash}"
    perms = cache.get(key)
    if perms is None:
        perms = user.get_all_permissions()
        cache.set(key, perms, PERMISSIONS_TTL)
    user._perm_cache = perms  # what ModelBackend.has_perm reads first
    return user
