"""The layout of summary.json (results/SCHEMA.md): its version, field lists and skeleton.

Every producer (``benchmarks``, ``loadtests``, ``scale``) starts from
:func:`empty_summary` and fills in what it measured, so every section and key is
present in every run, ``null`` where nothing was measured; ``reports/`` validates
against the same lists.
"""

from __future__ import annotations

from typing import Any

#: Version of the summary.json layout; the report builder reads this one and older
#: ones listed in :data:`READABLE_VERSIONS`. 2: scale runs' ``request_user_us``.
SCHEMA_VERSION = 2
#: Versions the report builder reads (1 differs only in scale-only runs' field name).
READABLE_VERSIONS = (1, 2)
#: The scheme every figure is compared with (no authentication at all).
BASELINE = "none"

#: Per-scheme numeric figures measured in-process (SCHEMA.md).
IN_PROCESS_NUMBERS = (
    "request_us",
    "request_iqr_us",
    "request_post_us",
    "request_post_iqr_us",
    "ratio_to_none",
    "authenticate_us",
    "authenticate_iqr_us",
    "request_user_us",
    "request_user_iqr_us",
    "queries",
    "queries_post",
    "credential_bytes",
    "credential_bytes_post",
    "response_extra_bytes",
    "login_us",
    "login_iqr_us",
    "login_writes",
    "login_response_bytes",
)
#: Per-scheme descriptive (non-numeric) in-process fields.
IN_PROCESS_TEXT = ("crypto", "response_extra_headers")
#: Per-scheme in-process fields the report reads when present (not validated as numbers).
IN_PROCESS_OTHER = (
    "request_rounds",
    "ratio_post_to_none",
    "ratio_of_medians",
    "crypto_calls",
    "crypto_post",
    "login_set_cookie_bytes",
    "login_repeat_same_credential",
)
#: Per-scheme figures of the load phase (SCHEMA.md); null when it did not run.
LOAD_FIELDS = (
    "load_rps",
    "load_failures",
    "load_p50_us",
    "load_p95_us",
    "load_p99_us",
    "load_max_us",
    "load_bytes_per_request",
    "load_server_cpu_us_per_request",
)
#: Further per-scheme load figures (the parts of the ones above, and their sample).
LOAD_DETAIL = (
    "load_bytes_sent_per_request",
    "load_bytes_received_per_request",
    "load_requests",
    "load_generator_cpu_pct",
)
#: Every per-scheme key after ``scheme``, ``title`` and ``properties``, in file order.
SCHEME_FIELDS = (
    *IN_PROCESS_NUMBERS,
    *IN_PROCESS_TEXT,
    *IN_PROCESS_OTHER,
    *LOAD_FIELDS,
    *LOAD_DETAIL,
)
#: The ``dimensions`` lists of summary.json, in report order (each may be empty).
DIMENSIONS = (
    "hashers",
    "jwt_algorithms",
    "jwt_claims",
    "session_engines",
    "knox_tokens",
    "conn_max_age",
    "middleware",
    "backends",
    "enumeration",
    "scale",
)
#: The ``noise`` object: how far the baseline moved during the run.
NOISE_FIELDS = (
    "baseline_paired_min_us",
    "baseline_paired_max_us",
    "baseline_start_us",
    "baseline_end_us",
    "drift_pct",
    "noisy",
    "threshold_pct",
)
#: The ``floor`` object: the bare Django view, below every scheme.
FLOOR_FIELDS = ("bare_django_view_us", "bare_django_view_iqr_us", "ratio_to_none")
#: The ``scale`` object of a ``make scale`` run (empty in other runs).
SCALE_FIELDS = (
    "schemes_measured_on",
    "verdicts",
    "stores",
    "sample_users",
    "skipped",
    "wall_s",
    "services",
)

#: The ``evidence`` object: the notes' claims measured in process (benchmarks/evidence.py),
#: one section each; a section that failed holds ``{"error": ...}``.
EVIDENCE_SECTIONS = (
    "basic_capture",
    "basic_refusals",
    "password_in_traffic",
    "token_two_clients",
    "token_contents",
    "token_expiry",
    "drf_defaults",
    "www_authenticate",
    "book_accounts",
)


def scheme_skeleton(name: str, title: str, properties: dict[str, Any]) -> dict[str, Any]:
    """One ``schemes[]`` entry with every field ``None`` (not measured)."""
    return {
        "scheme": name,
        "title": title,
        "properties": properties,
        **dict.fromkeys(SCHEME_FIELDS),
    }


def empty_summary(
    run_id: str,
    *,
    quick: bool,
    provenance: dict[str, Any],
    schemes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A summary.json with every section and key, nothing measured yet.

    ``schemes``: (name, title, properties) dicts, one entry each, in registry order.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "quick": quick,
        "provenance": provenance,
        "noise": dict.fromkeys(NOISE_FIELDS),
        "verification": {},
        "floor": dict.fromkeys(FLOOR_FIELDS),
        "schemes": [
            scheme_skeleton(s["scheme"], s.get("title", s["scheme"]), s.get("properties", {}))
            for s in schemes or []
        ],
        "dimensions": {name: [] for name in DIMENSIONS},
        "evidence": {},
        "load": {"ran": False, "reason": "not run"},
        "scale": {**dict.fromkeys(SCALE_FIELDS), "verdicts": [], "stores": {}, "skipped": []},
    }
