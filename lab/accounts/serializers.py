"""Registration input checked field by field: every refusal is a 400 naming its field."""

from allauth.account.models import EmailAddress
from dj_rest_auth.registration.serializers import RegisterSerializer as BaseRegisterSerializer
from dj_rest_auth.serializers import PasswordResetSerializer as BasePasswordResetSerializer
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from lab.accounts.forms import PasswordResetForm


class RegisterSerializer(BaseRegisterSerializer):
    """dj-rest-auth's registration, with errors under the field that caused them.

    dj-rest-auth only refuses an email once it is *verified*, reports mismatched
    passwords as ``non_field_errors`` and runs the similarity validator after the
    other checks; here each is a field error, found before anything is saved.
    """

    def validate_email(self, email: str) -> str:
        """Refuse an address any account already has, verified or not."""
        email = super().validate_email(email)
        taken = EmailAddress.objects.filter(email__iexact=email).exists() or (
            get_user_model()._default_manager.filter(email__iexact=email).exists()
        )
        if taken:
            raise serializers.ValidationError("A user is already registered with this email.")
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
        """Create the user; a concurrent sign-up with the same name is a 400, not a 500."""
        try:
            with transaction.atomic():
                return super().save(request)
        except IntegrityError as exc:
            raise serializers.ValidationError(
                {"username": ["A user with that username already exists."]}
            ) from exc


class PasswordResetSerializer(BasePasswordResetSerializer):
    """dj-rest-auth's reset request, sending the email through :mod:`lab.accounts.forms`."""

    password_reset_form_class = PasswordResetForm
