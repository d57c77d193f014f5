"""One spelling per name: how the lab normalises usernames and email addresses.

Unicode has several code points that look (and compatibility-decompose) alike: the
Kelvin sign and K, full-width letters, the ligature 'ǅ'. Without one canonical form,
two accounts could share an address or a look-alike name.
"""

from __future__ import annotations

import unicodedata


def normalize_username(username: str) -> str:
    """NFKC, as Django's ``AbstractBaseUser.normalize_username`` (full-width letters -> ASCII)."""
    return unicodedata.normalize("NFKC", username) if isinstance(username, str) else username


def normalize_email(email: str) -> str:
    """NFKC then casefold of the whole address (``\\u212aate@Example.com`` ->
    ``kate@example.com``): the form stored, compared and held unique by the database.

    The local part is case-sensitive in theory (RFC 5321); no mail system in use treats
    it so, and two accounts that differ only by case are the confusion to prevent.
    """
    return unicodedata.normalize("NFKC", email).casefold().strip()
