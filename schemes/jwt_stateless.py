"""``jwt-stateless``: the same simplejwt tokens, trusted without a database lookup:
the user is rebuilt from the token's claims, so the request makes no SQL query."""

from django.conf import settings
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from schemes.base import Properties, Scheme
from schemes.jwt_user import JWTFlowMixin, _lifetimes, jwt_expiry


class JWTStatelessScheme(JWTFlowMixin, Scheme):
    """simplejwt's ``JWTStatelessUserAuthentication``: signature only, no user row."""

    name = "jwt-stateless"
    title = "JWT, stateless user"
    summary = "Signed access token trusted as is: no SQL, and no check of the user's state."
    authentication_classes = (JWTStatelessUserAuthentication,)
    properties = Properties(
        stateless=True,
        expiry_seconds=_lifetimes()[0],
        expiry=jwt_expiry(),
        revocation="logout/ blacklists the refresh token; access lives until expiry",
        stored_at_rest="outstanding refresh tokens and their blacklist",
        stored_credential_usable=True,
        csrf_on_unsafe=False,
        transport="Authorization: Bearer header",
        queries_per_request=0,
        crypto_per_request=f"JWT signature verify ({settings.SIMPLE_JWT['ALGORITHM']})",
        user_checked_per_request=False,
        logout_immediate=False,
    )
