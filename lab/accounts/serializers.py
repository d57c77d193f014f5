"""Registration input checked field by field: every refusal is a 400 naming its field."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from dj_rest_auth.registration.serializers import RegisterSerializer as BaseRegisterSerializer
from dj_rest_auth.serializers import (
    PasswordResetConfirmSerializer as BasePasswordResetConfirmSerializer,
)
from dj_rest_auth.serializers import PasswordResetSerializer as BasePasswordResetSerializer
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from lab.accounts.forms import PasswordResetForm
from lab.accounts.normalize import normalize_email, normalize_username

EMAIL_TAKEN = "A user is already registered with this email."
USERNAME_TAKEN = "A user with that username already exists."


class RegisterSerializer(BaseRegisterSerializer):
    """dj-rest-auth's registration, with errors under the field that caused them.

    dj-rest-auth only refuses an email once it is *verified*, reports mismatched
    passwords as ``non_field_errors`` and runs the similarity validator after the
    other checks; here each is a field error, found before anything is saved.
    """

    def validate_username(self, username: str) -> str:
        """NFKC first (full-width letters, 'ǅ'), so a look-alike of a taken name is taken."""
        return super().validate_username(normalize_username(username))

    def validate_email(self, email: str) -> str:
        """Normalise (NFKC + casefold), then refuse an address any account already has,
        verified or not. The database holds the same rule (lab/migrations/0001)."""
        email = super().validate_email(normalize_email(email))
        if email_taken(email):
            raise serializers.ValidationError(EMAIL_TAKEN)
        return email

    def validate(self, data: dict) -> dict:
        """Passwords must match and pass every validator, the user's own names included."""
        if data["password1"] != data["password2"]:
            raise serializers.ValidationError({"password2": ["The two passwords differ."]})
        candidate = get_user_model()(username=data.get("username"), email=data.get("email"))
        try:
            validate_password(data["password1"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password1": list(exc.messages)}) from exc
        return data

    def save(self, request):
        """Create the user; a concurrent sign-up with the same name or address loses to
        the database's unique index and gets a 400 naming the field, not a 500."""
        try:
            with transaction.atomic():
                return super().save(request)
        except IntegrityError as exc:
            if email_taken(self.validated_data.get("email", "")):
                raise serializers.ValidationError({"email": [EMAIL_TAKEN]}) from exc
            raise serializers.ValidationError({"username": [USERNAME_TAKEN]}) from exc


def email_taken(email: str) -> bool:
    """Whether any account already has ``email`` (normalised), as a user or an address."""
    return bool(email) and (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model()._default_manager.filter(email__iexact=email).exists()
    )


class PasswordResetSerializer(BasePasswordResetSerializer):
    """dj-rest-auth's reset request, sending the email through :mod:`lab.accounts.forms`."""

    password_reset_form_class = PasswordResetForm


class PasswordResetConfirmSerializer(BasePasswordResetConfirmSerializer):
    """dj-rest-auth's reset confirmation, single-use under parallel requests.

    Every parallel POST of one link passes ``validate`` before any has saved. ``save``
    locks the user row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers) and checks the token again against the
    row as it is now: the first reset changed the hash the token was made from, so the
    others get the usual 400 ``{"token": ["Invalid value"]}``.
    """

    def save(self):
        """Set the new password if the token still matches the locked, current row."""
        with transaction.atomic():
            users = get_user_model()._default_manager.select_for_update()
            current = users.get(pk=self.user.pk)
            if not default_token_generator.check_token(current, self.validated_data["token"]):
                raise serializers.ValidationError({"token": ["Invalid value"]})
            self.set_password_form.user = current
            return self.set_password_form.save()
