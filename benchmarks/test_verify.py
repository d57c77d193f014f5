"""Before anything is timed: every scheme answers 200 with the right user (GET and
POST) with a real credential, and refuses a request without one."""

import pytest

from benchmarks.harness import REQUEST_USER, verify
from results.runs import atomic_write_json
from schemes import registry

VERIFICATION_FILE = "verification.json"


def test_every_scheme_answers_before_timing(wsgi, credentials, observations, run_dir):
    results = {}
    for scheme in registry.all_schemes():
        results[scheme.name], probed = verify(wsgi, scheme, credentials.get(scheme), REQUEST_USER)
        for method, facts in probed.items():  # the request benchmarks reuse slow ones
            observations.add_verified(scheme.name, method, facts)
    if run_dir is not None:
        atomic_write_json(run_dir / VERIFICATION_FILE, results)
    failed = {name: r for name, r in results.items() if not r["ok"]}
    if failed and run_dir is not None:
        pytest.exit(f"verification failed, nothing timed: {failed}", returncode=3)
    assert not failed
