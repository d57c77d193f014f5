"""``none``: the baseline. No authentication at all, so every other scheme's cost
is read as a multiple of what the bare endpoint costs in the same run."""

from schemes.base import OPEN, Credential, Properties, Scheme, Transport


class NoneScheme(Scheme):
    """The endpoint with no authentication class and ``AllowAny``."""

    name = "none"
    title = "No authentication (baseline)"
    family = "baseline"
    summary = "What the endpoint costs with no authentication at all."
    authentication_classes = ()
    permission_classes = OPEN
    properties = Properties(
        stateless=True,
        expiry_seconds=None,
        expiry="-",
        revocation="",
        stored_at_rest="nothing",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(),
        queries_per_request=0,
        crypto_per_request="",
        revocation_delay_s=None,  # nothing to revoke
        user_checked_per_request=False,
        logout_immediate=False,
    )

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Nothing to obtain: the baseline sends no credential."""
        return Credential()
