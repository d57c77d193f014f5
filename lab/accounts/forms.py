"""The password-reset email, sent without reading allauth's deprecated settings."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str, user_username
from dj_rest_auth.forms import AllAuthPasswordResetForm
from django.urls import reverse


class PasswordResetForm(AllAuthPasswordResetForm):
    """dj-rest-auth's form (no error for an unknown email), with its own ``save``.

    dj-rest-auth 7.2's ``save`` reads ``app_settings.AUTHENTICATION_METHOD`` whenever
    email is a login method, and allauth 65 warns on every read. This one builds the
    same email from allauth's public helpers. The username is always included: people
    may log in with either.
    """

    def save(self, request, **kwargs) -> str:
        """Email each active user of the address a link holding their uid and token."""
        email = self.cleaned_data["email"]
        for user in self.users:
            uid = user_pk_to_url_str(user)
            token = default_token_generator.make_token(user)
            path = reverse("password_reset_confirm", args=[uid, token])
            context = {
                "user": user,
                "username": user_username(user),
                "password_reset_url": request.build_absolute_uri(path),
                "uid": uid,
                "token": token,
            }
            get_adapter(request).send_mail("account/email/password_reset_key", email, context)
        return email
