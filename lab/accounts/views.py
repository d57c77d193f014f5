"""The two links the account emails carry, answered by the API itself.

allauth and dj-rest-auth put a URL in each email (``account_confirm_email`` and
``password_reset_confirm``) but serve no view there (dj-rest-auth's placeholder
has no template: a click would be a 500). Here a GET says what the link holds and
a POST to the same URL does the job, so a client can follow the email as is.
"""

from collections.abc import Mapping

from dj_rest_auth.registration.views import ResendEmailVerificationView, VerifyEmailView
from dj_rest_auth.views import PasswordResetConfirmView
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lab.accounts.serializers import PasswordResetConfirmSerializer
from schemes.views import LoginThrottleMixin

_Detail = inline_serializer("AccountDetail", {"detail": serializers.CharField()})


class NewPasswordSerializer(serializers.Serializer):
    """The body a reset link takes: the new password, twice (uid and token are in the URL)."""

    new_password1 = serializers.CharField(max_length=128)
    new_password2 = serializers.CharField(max_length=128)


class EmailSentView(APIView):
    """Where allauth redirects after sending a verification email (dj-rest-auth drops
    the redirect, but allauth reverses the name while signing up)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses=_Detail)
    def get(self, request):
        """Say that the email went out and what to do with it."""
        return Response({"detail": "Verification e-mail sent: follow its link."})


class EmailConfirmLinkView(VerifyEmailView):
    """The verification email's link: GET shows the key, POST confirms the address."""

    allowed_methods = ("GET", "POST", "OPTIONS", "HEAD")

    @extend_schema(
        operation_id="email_confirm_link_read",
        responses=inline_serializer(
            "EmailConfirmLink", {"key": serializers.CharField(), "detail": serializers.CharField()}
        ),
    )
    def get(self, request, key):
        """Say what the link holds and how to use it; nothing changes on a GET."""
        verify = reverse("rest_verify_email")
        return Response({"key": key, "detail": f"POST here, or POST {{key}} to {verify}."})

    @extend_schema(operation_id="email_confirm_link_confirm", request=None, responses=_Detail)
    def post(self, request, key):
        """Confirm the address the key was sent to (404 for an unknown or expired key)."""
        self.get_object().confirm(request)
        return Response({"detail": "ok"})


@extend_schema_view(post=extend_schema(responses=_Detail))
class ResendEmailView(LoginThrottleMixin, ResendEmailVerificationView):
    """dj-rest-auth's resend-email under the ``login`` throttle: each call sends an email.

    (It has no ``throttle_scope`` attribute, so ``as_view()`` cannot be given one.)
    """


class PasswordResetLinkView(LoginThrottleMixin, PasswordResetConfirmView):
    """The reset email's link: GET shows uid and token, POST sets the new password."""

    serializer_class = PasswordResetConfirmSerializer

    @extend_schema(
        operation_id="password_reset_link_read",
        responses=inline_serializer(
            "PasswordResetLink",
            {
                "uid": serializers.CharField(),
                "token": serializers.CharField(),
                "detail": serializers.CharField(),
            },
        ),
    )
    def get(self, request, uid, token):
        """Say what the link holds; nothing is checked or changed on a GET."""
        confirm = reverse("rest_password_reset_confirm")
        detail = f"POST new_password1 and new_password2 here, or all four fields to {confirm}."
        return Response({"uid": uid, "token": token, "detail": detail})

    @extend_schema(
        operation_id="password_reset_link_confirm", request=NewPasswordSerializer, responses=_Detail
    )
    def post(self, request, uid, token):
        """Reset the password with the uid and token from the URL (400 if either is bad)."""
        data = request.data if isinstance(request.data, Mapping) else {}
        fields = {name: data.get(name) for name in NewPasswordSerializer().fields}
        serializer = self.get_serializer(data={**fields, "uid": uid, "token": token})
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response({"detail": "Password has been reset with the new password."})
