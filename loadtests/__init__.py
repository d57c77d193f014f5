"""Load tests: one locust user class per registered scheme, headless and web UI.

Importing this package (or :mod:`loadtests.orchestrate`, :mod:`loadtests.stats`) does
not import locust: locust monkey-patches the standard library with gevent on import,
so it only ever runs in its own processes (``loadtests.generator``, ``locust -f``).
"""
