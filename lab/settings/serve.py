"""Serving profile: ``make serve``, gunicorn, and ``manage.py`` (same database).

DEBUG stays off so the served lab behaves (and costs) as deployed.
"""

from lab.settings.base import *  # noqa: F403
