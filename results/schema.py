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
#: 3: confidence intervals (``*_ci*``), instruction counts, ``noise.noisy`` judged on
#: the intervals' widths (before: on the baseline's drift).
SCHEMA_VERSION = 3
#: Versions the report builder reads (1 differs only in scale-only runs' field name;
#: 1 and 2 have no intervals or instructions: those show as not measured).
READABLE_VERSIONS = (1, 2, 3)
#: The scheme every figure is compared with (no authentication at all).
BASELINE = "none"
#: The families a scheme belongs to (each ``schemes[].family``), in the report's order,
#: key -> label: the report groups its tables and bar charts by them. ``schemes.base``
#: keeps the same mapping (tests/test_results_layer.py checks they agree).
FAMILIES = {
    "baseline": "no authentication (baseline)",
    "password": "password on every request",
    "server-state": "server-side state",
    "token": "signed or encrypted tokens",
    "third-party": "third-party issued",
}

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
    "login_flow_us",
    "login_flow_iqr_us",
    "login_password_checks",
    "login_writes",
    "login_response_bytes",
    "request_instructions",
    "post_instructions",
    "authenticate_instructions",
    "instructions_ratio_to_none",
)
#: Per-scheme 95% intervals ``[low, high]`` of the wall-clock figures (SCHEMA.md).
IN_PROCESS_INTERVALS = (
    "request_ci_us",
    "request_post_ci_us",
    "ratio_to_none_ci",
    "ratio_post_to_none_ci",
    "authenticate_ci_us",
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
#: Per-scheme split of the GET's extra µs over none (benchmarks/attribution.py).
ATTRIBUTION_FIELDS = ("extra_sql_us", "extra_crypto_us", "extra_rest_us")
#: The same split in instructions (benchmarks/instruction_parts.py: SQL and crypto
#: replayed alone under callgrind), null where not counted.
INSTRUCTION_PART_FIELDS = (
    "extra_sql_instructions",
    "extra_crypto_instructions",
    "extra_rest_instructions",
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
    "load_iqr_us",
    "load_too_few_samples",
)
#: What a scheme says of itself, first in each ``schemes[]`` entry (``Scheme.identity()``):
#: its name, title, family, the stock scheme it tunes (``variant_of``, or null), its
#: revocation delay in seconds (``revocation_delay_s``: 0 = immediate, null = never) and
#: its declared properties.
IDENTITY_FIELDS = (
    "scheme",
    "title",
    "family",
    "variant_of",
    "has_login",
    "revocation_delay_s",
    "properties",
)
#: Every per-scheme key after the identity fields, in file order.
SCHEME_FIELDS = (
    *IN_PROCESS_NUMBERS,
    *IN_PROCESS_INTERVALS,
    *IN_PROCESS_TEXT,
    *IN_PROCESS_OTHER,
    *ATTRIBUTION_FIELDS,
    *INSTRUCTION_PART_FIELDS,
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
    "servers",
)
#: The one dimension that is an object, not a list: server name -> its figures.
SERVERS_DIMENSION = "servers"
#: ``dimensions.servers.<server>.schemes.<scheme>``: one scheme under one server.
SERVER_SCHEME_FIELDS = (
    "closed_loop_warmup_s",
    "warmup_capped",
    "cpu_us_per_request",
    "capacity_per_core_rps",
    "rps",
    "requests",
    "failures",
    "server_cpu_pct",
    "open_loop_rate",
    "open_loop_requests",
    "open_loop_p50_us",
    "open_loop_p95_us",
    "open_loop_p99_us",
    "open_loop_too_few_samples",
    "open_loop_max_us",
    "schedule_lag_p99_us",
    "generator_cpu_pct",
    "generator_saturated",
    "cpu_ratio_to_none",
)
#: ``dimensions.servers.<server>.header_limits``, each for ``header`` and ``cookie``.
SERVER_LIMIT_FIELDS = tuple(
    f"{carrier}_{name}"
    for carrier in ("header", "cookie")
    for name in (
        "max_bytes",
        "token_bytes",
        "accepted_status",
        "capped",
        "beyond",
        "far_beyond",
        "limit_sharp",
        "clear_4xx",
    )
)
#: The ``noise`` object: how wide the run's intervals are (the rule) and how far the
#: baseline moved during the run (the record).
NOISE_FIELDS = (
    "baseline_paired_min_us",
    "baseline_paired_max_us",
    "baseline_start_us",
    "baseline_end_us",
    "drift_pct",
    "baseline_ci_us",
    "baseline_ci_pct",
    "ratio_ci_pct",
    "ratio_spread_pct",
    "noisy",
    "threshold_pct",
    "spread_threshold_pct",
    "rule",
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
    "third_party_jwt",
)


def scheme_skeleton(identity: dict[str, Any]) -> dict[str, Any]:
    """One ``schemes[]`` entry: the scheme's identity fields, every figure ``None``."""
    name = identity["scheme"]
    defaults = {"scheme": name, "title": name, "properties": {}}
    return {
        **{k: identity.get(k, defaults.get(k)) for k in IDENTITY_FIELDS},
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

    ``schemes``: identity dicts (:data:`IDENTITY_FIELDS`), one each, in registry order.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "quick": quick,
        "provenance": provenance,
        "noise": dict.fromkeys(NOISE_FIELDS),
        "verification": {},
        "floor": dict.fromkeys(FLOOR_FIELDS),
        "schemes": [scheme_skeleton(s) for s in schemes or []],
        "dimensions": {name: {} if name == SERVERS_DIMENSION else [] for name in DIMENSIONS},
        "attribution": {
            "method": None,
            "basic_crypto_check": None,
            "basic_hasher_check_instructions": None,
            "instruction_parts_method": None,
        },
        "evidence": {},
        "load": {"ran": False, "reason": "not run"},
        "scale": {**dict.fromkeys(SCALE_FIELDS), "verdicts": [], "stores": {}, "skipped": []},
    }
