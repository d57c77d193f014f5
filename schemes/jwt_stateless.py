"""``jwt-stateless``: the same simplejwt tokens, trusted without a database lookup:
the user is rebuilt from the token's claims, so the request makes no SQL query."""

from dataclasses import replace

from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from schemes.base import Scheme
from schemes.jwt_user import JWTFlowMixin, JWTScheme


class JWTStatelessScheme(JWTFlowMixin, Scheme):
    """simplejwt's ``JWTStatelessUserAuthentication``: signature only, no user row."""

    name = "jwt-stateless"
    title = "JWT, stateless user"
    family = "token"
    summary = "Signed access token trusted as is: no SQL, and no check of the user's state."
    authentication_classes = (JWTStatelessUserAuthentication,)
    # The same tokens as ``jwt``; what differs is that no user row is read.
    properties = replace(
        JWTScheme.properties,
        stateless=True,
        queries_per_request=0,
        user_checked_per_request=False,
    )
