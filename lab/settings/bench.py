"""Benchmark and load-test profile: the serve settings with login throttling lifted.

Throttling would turn a load test of logins into a test of the throttle; it is
raised here explicitly, and every result records this profile.
"""

from lab.settings.base import *  # noqa: F403
from lab.settings.base import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000000/minute"}}
