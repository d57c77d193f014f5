"""The ``django.contrib.sites`` row (``SITE_ID = 1``) named after the address the lab
serves: allauth and dj-rest-auth print its name and domain in every email, and the
migration leaves them at Django's ``example.com``."""

from __future__ import annotations

from django.conf import settings

#: The name and domain Django's sites migration creates.
DJANGO_DEFAULT_DOMAIN = "example.com"


def served_domain(host: str, port: int | str) -> str:
    """``host:port`` as a Host header names it (an IPv6 host in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def name_site(host: str, port: int | str):
    """Set the current Site's domain and name to the served ``host:port``; return it."""
    from django.contrib.sites.models import Site

    domain = served_domain(host, port)
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": domain}
    )
    Site.objects.clear_cache()  # get_current_site() caches the row per process
    return site
