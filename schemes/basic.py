"""``basic``: HTTP Basic. The username and password travel on every request, and the
server looks the user up and verifies the password hash on every request."""

from schemes.auth import BasicAuthentication
from schemes.base import Carrier, Credential, Properties, Scheme, Transport, basic_header


class BasicScheme(Scheme):
    """DRF's ``BasicAuthentication``: ``Authorization: Basic base64(user:pass)``."""

    name = "basic"
    stored_models = ("auth.User",)
    title = "HTTP Basic"
    family = "password"
    summary = "Username and password on every request; the password hash is checked each time."
    authentication_classes = (BasicAuthentication,)
    properties = Properties(
        stateless=True,
        expiry_seconds=None,
        expiry="never (until the password changes)",
        revocation="change the password",
        stored_at_rest="the password hash only",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(
            Carrier("header", "Authorization", "password", "Basic", format="base64(user:pass)"),
        ),
        queries_per_request=1,
        crypto_per_request="password hash (the configured hasher, e.g. PBKDF2-SHA256)",
        revocation_delay_s=0,  # the password is verified on every request
        logout_immediate=False,
        revoked_by_password_change=True,
        password_change="the old password stops working",
    )

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """No login step: the credential is the username and password themselves."""
        return Credential(headers={"Authorization": basic_header(username, password)})
