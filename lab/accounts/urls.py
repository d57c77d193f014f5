"""Account URLs under ``/api/v1/dj-rest-auth/`` ("Django for APIs", part III).

The views are dj-rest-auth's, listed one by one rather than included, so that the
ones that check a password or send an email take the lab's ``login`` throttle
(dj-rest-auth's own ``throttle_scope`` is inert without a default throttle class)
and the two email links resolve to views that answer (lab.accounts.views).
"""

from dj_rest_auth import views as rest_auth
from dj_rest_auth.registration import views as registration
from django.urls import include, path

from lab.accounts.views import (
    EmailConfirmLinkView,
    EmailSentView,
    PasswordResetLinkView,
    ResendEmailView,
)
from schemes.views import LoginRateThrottle

#: as_view() keyword arguments that put a view under the ``login`` rate (per client IP,
#: counted in the cache every worker shares).
THROTTLED = {"throttle_classes": (LoginRateThrottle,), "throttle_scope": "login"}

registration_urls = [
    path("", registration.RegisterView.as_view(**THROTTLED), name="rest_register"),
    path("verify-email/", registration.VerifyEmailView.as_view(), name="rest_verify_email"),
    path("resend-email/", ResendEmailView.as_view(), name="rest_resend_email"),
    # allauth reverses these names: its post-sign-up redirect and the emailed link.
    path(
        "account-email-verification-sent/",
        EmailSentView.as_view(),
        name="account_email_verification_sent",
    ),
    path(
        "account-confirm-email/<str:key>/",
        EmailConfirmLinkView.as_view(),
        name="account_confirm_email",
    ),
]

urlpatterns = [
    path("login/", rest_auth.LoginView.as_view(**THROTTLED), name="rest_login"),
    path("logout/", rest_auth.LogoutView.as_view(), name="rest_logout"),
    path("user/", rest_auth.UserDetailsView.as_view(), name="rest_user_details"),
    path(
        "password/change/",
        rest_auth.PasswordChangeView.as_view(**THROTTLED),
        name="rest_password_change",
    ),
    path(
        "password/reset/",
        rest_auth.PasswordResetView.as_view(**THROTTLED),
        name="rest_password_reset",
    ),
    path(
        "password/reset/confirm/",
        rest_auth.PasswordResetConfirmView.as_view(**THROTTLED),
        name="rest_password_reset_confirm",
    ),
    # dj-rest-auth reverses this name for the link in the reset email.
    path(
        "password/reset/confirm/<str:uid>/<str:token>/",
        PasswordResetLinkView.as_view(),
        name="password_reset_confirm",
    ),
    path("registration/", include(registration_urls)),
]
