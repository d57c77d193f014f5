"""Turn pytest-benchmark's JSON into the figures of ``summary.json`` (results/SCHEMA.md).

Pure functions over plain data: every benchmark carries its facts in
``extra_info`` (``kind``, scheme, queries, bytes...), so the summary is a matter of
picking records and joining them; :func:`results.summary.build` writes the file.
Times become microseconds, spreads are :func:`results.stats.iqr` of the rounds; a
figure that was not measured stays ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import attribution
from benchmarks.records import Kind
from results import stats
from results import summary as results_summary

#: The scheme the hashers dimension times requests of (HTTP Basic hashes per request).
BASIC = "basic"
#: A run is noisy when its intervals are wider than this (± % of the figure): the none
#: baseline's median, or the typical (median) scheme's paired ratio to none. Quiet
#: runs of a ~250 µs request give about ± 1% here; runs beside other processes on
#: this 2-core machine gave ± 1.9 to 8.3% for the baseline. Drift alone is not the
#: rule any more: the paired ratios hold still while the baseline drifts.
NOISE_CI_PCT = 3.0
#: ... or when the typical scheme's paired block ratios spread wider than this (their
#: IQR, % of their median): one side of many pairs lost the CPU. Runs beside six other
#: jobs on this 2-core machine gave 40 to 1,000%; ±1% jitter gives about 2%.
NOISE_SPREAD_PCT = 25.0
#: ... or when processes outside the run kept more than this many cores busy while the
#: suites ran. A single CPU hog on this 2-core machine leaves the suites a core of their
#: own and their intervals tight (none ± 1.1%), yet moved "x none" by 4-8% between runs
#: (shared caches, memory bandwidth): the intervals cannot see it, the machine's CPU
#: accounting can (a hog: ~1.0 core; idle: ~0.0).
NOISE_OTHER_CORES = 0.25


def _us(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e6, 3)


def read_records(benchmark_json: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat record per benchmark: its ``extra_info`` plus median, IQR and rounds (µs)."""
    records = []
    for bench in benchmark_json.get("benchmarks", []):
        measured = bench.get("stats") or {}
        records.append(
            {
                **bench.get("extra_info", {}),
                "name": bench.get("name"),
                "group": bench.get("group"),
                "median_us": _us(measured.get("median")),
                # The lab's one IQR definition over the rounds (not pytest-benchmark's).
                "iqr_us": _us(stats.iqr(measured["data"]) if measured.get("data") else None),
                "rounds": measured.get("rounds"),
                "data": measured.get("data"),
            }
        )
    return records


def pick(records: list[dict[str, Any]], kind: str, **match: Any) -> dict[str, Any] | None:
    """The first record of ``kind`` whose fields equal ``match``, or ``None``."""
    for record in records:
        if record.get("kind") == kind and all(record.get(k) == v for k, v in match.items()):
            return record
    return None


def _get(record: dict[str, Any] | None, key: str) -> Any:
    return None if record is None else record.get(key)


def ratio(value: float | None, baseline: float | None) -> float | None:
    """``value / baseline`` rounded, or ``None`` when either is missing."""
    if value is None or not baseline:
        return None
    return round(value / baseline, 3)


def median_ci_us(record: dict[str, Any] | None) -> list[float] | None:
    """The bootstrap 95% interval of the record's median (µs), from its rounds."""
    data = _get(record, "data")
    interval = stats.bootstrap_ci([t * 1e6 for t in data]) if data else None
    return None if interval is None else [round(v, 3) for v in interval]


def ratio_ci(record: dict[str, Any] | None, baseline: dict[str, Any] | None) -> list | None:
    """The 95% interval of :func:`ratio_to_baseline`: the bootstrap of the per-round
    ratios when paired; else the conservative quotient of the two medians' intervals."""
    if record is None:
        return None
    samples = record.get("ratio_paired_samples")
    if samples:
        interval = stats.bootstrap_ci(samples)
        return None if interval is None else [round(v, 4) for v in interval]
    if record is baseline:
        return [1.0, 1.0]  # the baseline against itself, by definition
    own, base = median_ci_us(record), median_ci_us(baseline)
    if own is None or base is None or not base[0]:
        return None
    return [round(own[0] / base[1], 4), round(own[1] / base[0], 4)]


def ratio_to_baseline(record: dict[str, Any] | None, baseline_us: float | None) -> float | None:
    """The paired ratio when the benchmark timed the baseline beside each round (the
    median of per-round ratios), else the ratio of the two medians."""
    if record is None:
        return None
    if record.get("ratio_paired") is not None:
        return record["ratio_paired"]
    return ratio(record.get("median_us"), baseline_us)


def extra_headers(lines: list[str] | None, baseline: list[str] | None) -> tuple[int | None, list]:
    """Response header lines a scheme adds or changes against the baseline, and the net
    bytes (``Name: value\\r\\n`` each) they cost."""
    if lines is None or baseline is None:
        return None, []
    added = [line for line in lines if line not in baseline]
    removed = [line for line in baseline if line not in lines]
    size = sum(len(line.encode("latin-1")) + 2 for line in added)
    return size - sum(len(line.encode("latin-1")) + 2 for line in removed), added


def scheme_entry(
    meta: dict[str, Any],
    records: list[dict[str, Any]],
    baseline_us: float | None,
    baseline_headers: list[str] | None,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The in-process fields of one scheme's ``schemes[]`` entry (``base``: the
    baseline's GET record, for intervals of unpaired ratios)."""
    name = meta["scheme"]
    get = pick(records, Kind.REQUEST, scheme=name, method="GET")
    post = pick(records, Kind.REQUEST, scheme=name, method="POST")
    auth = pick(records, Kind.AUTHENTICATE, scheme=name)
    login = pick(records, Kind.LOGIN, scheme=name)
    extra_bytes, extra_lines = extra_headers(_get(get, "response_headers"), baseline_headers)
    return {
        "request_us": _get(get, "median_us"),
        "request_iqr_us": _get(get, "iqr_us"),
        "request_rounds": _get(get, "rounds"),
        "request_post_us": _get(post, "median_us"),
        "request_post_iqr_us": _get(post, "iqr_us"),
        "request_ci_us": median_ci_us(get),
        "request_post_ci_us": median_ci_us(post),
        "ratio_to_none": ratio_to_baseline(get, baseline_us),
        "ratio_to_none_ci": ratio_ci(get, base),
        "ratio_post_to_none": ratio_to_baseline(post, baseline_us),
        "ratio_post_to_none_ci": ratio_ci(post, base),
        "ratio_of_medians": ratio(_get(get, "median_us"), baseline_us),
        "authenticate_us": _get(auth, "median_us"),
        "authenticate_iqr_us": _get(auth, "iqr_us"),
        "authenticate_ci_us": median_ci_us(auth),
        "queries": _get(get, "queries"),
        "queries_post": _get(post, "queries"),
        "crypto": _get(get, "crypto"),
        "crypto_calls": _get(get, "crypto_calls"),
        "crypto_post": _get(post, "crypto"),
        "credential_bytes": _get(get, "credential_bytes"),
        "credential_bytes_post": _get(post, "credential_bytes"),
        "response_extra_bytes": extra_bytes,
        "response_extra_headers": extra_lines,
        **login_figures(login, records),
        "login_writes": _get(login, "writes"),
        "login_response_bytes": _get(login, "login_response_bytes"),
        "login_set_cookie_bytes": _get(login, "set_cookie_bytes"),
        "login_repeat_same_credential": _get(login, "repeat_same_credential"),
    }


def login_figures(login: dict[str, Any] | None, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A login as the lab serves it: its flow, timed on an account of the flow hasher
    (benchmarks/test_login.py), plus per password check it made the default hasher's
    ``verify()`` minus the flow hasher's own (both timed alone: test_hashers.py).
    The spread adds the flow's IQR and the checks' (an upper bound on the sum's)."""
    flow, checks = _get(login, "median_us"), _get(login, "password_checks") or 0
    default = pick(records, Kind.HASHER_VERIFY, default=True)
    own = pick(records, Kind.HASHER_VERIFY, hasher=_get(login, "flow_hasher"))
    total = spread = None
    if flow is not None and not checks:
        total, spread = flow, _get(login, "iqr_us")
    elif flow is not None and default and own:
        total = round(flow + checks * (default["median_us"] - own["median_us"]), 3)
        spread = round((_get(login, "iqr_us") or 0.0) + checks * default["iqr_us"], 3)
    return {
        "login_us": total,
        "login_iqr_us": spread,
        "login_flow_us": flow,
        "login_flow_iqr_us": _get(login, "iqr_us"),
        "login_password_checks": _get(login, "password_checks"),
    }


def crowded(other_cores: float | None) -> bool:
    """Whether processes outside the run kept more than :data:`NOISE_OTHER_CORES` busy
    (``None``: not measured, not crowded)."""
    return other_cores is not None and other_cores > NOISE_OTHER_CORES


def noise(
    records: list[dict[str, Any]],
    baseline: str,
    figures: dict[str, dict[str, Any]],
    other_cores: float | None = None,
) -> dict[str, Any]:
    """How wide the run's intervals are, how busy other processes kept the machine
    (``other_cores``), whether either makes it noisy, and the baseline's drift from
    start to end (kept for the record, not the rule)."""
    base = pick(records, Kind.REQUEST, scheme=baseline, method="GET")
    start = _get(base, "median_us")
    end = _get(pick(records, Kind.BASELINE_END, scheme=baseline), "median_us")
    drift = None if start is None or end is None else round((end - start) / start * 100, 2)
    paired = sorted(r["baseline_paired_us"] for r in records if r.get("baseline_paired_us"))
    base_ci = median_ci_us(base)
    base_width = stats.relative_half_width(base_ci, start)
    widths = [
        stats.relative_half_width(f.get("ratio_to_none_ci"), f.get("ratio_to_none"))
        for name, f in figures.items()
        if name != baseline
    ]
    ratio_width = stats.median(w for w in widths if w is not None)
    spreads = [
        stats.iqr(r["ratio_paired_samples"]) / r["ratio_paired"]
        for r in records
        if r.get("kind") == Kind.REQUEST and r.get("ratio_paired_samples") and r.get("ratio_paired")
    ]
    spread = stats.median(spreads)
    measured = [w for w in (base_width, ratio_width) if w is not None]
    widest = max(measured) * 100 if measured else None
    too_wide = widest is None or widest > NOISE_CI_PCT
    too_spread = spread is not None and spread * 100 > NOISE_SPREAD_PCT
    return {
        # The baseline as timed beside each paired benchmark, through the whole run.
        "baseline_paired_min_us": paired[0] if paired else None,
        "baseline_paired_max_us": paired[-1] if paired else None,
        "baseline_start_us": start,
        "baseline_end_us": end,
        "drift_pct": drift,
        "baseline_ci_us": base_ci,
        "baseline_ci_pct": None if base_width is None else round(base_width * 100, 2),
        "ratio_ci_pct": None if ratio_width is None else round(ratio_width * 100, 2),
        "ratio_spread_pct": None if spread is None else round(spread * 100, 1),
        "other_cpu_cores": other_cores,
        "noisy": too_wide or too_spread or crowded(other_cores),
        "threshold_pct": NOISE_CI_PCT,
        "spread_threshold_pct": NOISE_SPREAD_PCT,
        "other_cores_threshold": NOISE_OTHER_CORES,
        "rule": f"noisy when the none median's or the typical paired ratio's 95% interval "
        f"is wider than ± {NOISE_CI_PCT}%, or the typical paired block ratios' IQR is "
        f"over {NOISE_SPREAD_PCT:.0f}% of their median, or other processes kept more "
        f"than {NOISE_OTHER_CORES} cores busy while the suites ran",
    }


def _timed(record: dict[str, Any], prefix: str = "request") -> dict[str, Any]:
    return {f"{prefix}_us": record["median_us"], f"{prefix}_iqr_us": record["iqr_us"]}


def _hasher(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict[str, Any]:
    basic = pick(records, Kind.HASHER_BASIC_REQUEST, hasher=r["hasher"])
    if basic is None and r.get("default"):  # not measured twice: the same request
        basic = pick(records, Kind.REQUEST, scheme=BASIC, method="GET")
    return {
        "hasher": r["hasher"],
        "algorithm": r.get("algorithm"),
        "params": r.get("params", {}),
        "insecure": r.get("insecure", False),
        "default": r.get("default", False),
        "verify_us": r["median_us"],
        "verify_iqr_us": r["iqr_us"],
        "basic_request_us": _get(basic, "median_us"),
        "basic_request_iqr_us": _get(basic, "iqr_us"),
        "ratio_to_none": ratio_to_baseline(basic, baseline_us),
    }


def _jwt_algorithm(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    verify = pick(records, Kind.JWT_VERIFY, algorithm=r["algorithm"])
    return {
        "algorithm": r["algorithm"],
        "sign_us": r["median_us"],
        "sign_iqr_us": r["iqr_us"],
        "verify_us": _get(verify, "median_us"),
        "verify_iqr_us": _get(verify, "iqr_us"),
        "token_bytes": r["token_bytes"],
    }


def _jwt_claims(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        "step": r["step"],
        "claims": r["claims"],
        "algorithm": r.get("algorithm"),
        "token_bytes": r["token_bytes"],
        "header_bytes": r["header_bytes"],
        "groups": r.get("groups"),
        "permissions": r.get("permissions"),
        **_timed(r, "sign"),
    }


def _request_vs_none(r: dict[str, Any], baseline_us, **first: Any) -> dict[str, Any]:
    """A request row: ``first``, its median, IQR and 95% interval, its ratio to none
    (paired where the rounds were) and that ratio's interval, its queries."""
    return {
        **first,
        **_timed(r),
        "request_ci_us": median_ci_us(r),
        "ratio_to_none": ratio_to_baseline(r, baseline_us),
        "ratio_to_none_ci": ratio_ci(r, None),
        "queries": r.get("queries"),
    }


def _session_engine(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        **_request_vs_none(r, baseline_us, engine=r["engine"]),
        "cookie_bytes": r["cookie_bytes"],
        "credential_bytes": r.get("credential_bytes"),
    }


def _knox_tokens(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return _request_vs_none(r, baseline_us, tokens_per_user=r["tokens_per_user"])


def _conn_max_age(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        "scheme": r["scheme"],
        "conn_max_age": r["conn_max_age"],
        "label": "persistent" if r["conn_max_age"] is None else str(r["conn_max_age"]),
        **_timed(r),
        "queries": r.get("queries"),
    }


def _middleware(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        "scheme": r["scheme"],
        "stack": r["stack"],
        **_timed(r),
        "ratio_to_full": r.get("ratio_to_full", 1.0 if r["stack"] == "full" else None),
        "middleware_count": r.get("middleware_count"),
        "dropped": r.get("dropped", []),
    }


def _backends(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        "backends": r["backends"],
        "backend_paths": r.get("backend_paths", []),
        "case": r["case"],
        "us": r["median_us"],
        "iqr_us": r["iqr_us"],
        "queries": r.get("queries"),
    }


def _enumeration(r: dict[str, Any], records: list[dict[str, Any]], baseline_us) -> dict:
    return {
        "scheme": r["scheme"],
        "case": r["case"],
        "endpoint": r.get("endpoint"),
        "status": r.get("status"),
        "password_hashes": r.get("password_hashes"),
        "us": r["median_us"],
        "iqr_us": r["iqr_us"],
    }


@dataclass(frozen=True)
class Dimension:
    """One ``dimensions`` list: its name in summary.json, the records it is made of,
    and how one record (with the others, for joins) becomes one row."""

    name: str
    kind: Kind
    row: Callable[[dict[str, Any], list[dict[str, Any]], float | None], dict[str, Any]]


#: Every dimension the suites measure, in schema order (``scale`` comes from make scale).
DIMENSION_TABLE = (
    Dimension("hashers", Kind.HASHER_VERIFY, _hasher),
    Dimension("jwt_algorithms", Kind.JWT_SIGN, _jwt_algorithm),
    Dimension("jwt_claims", Kind.JWT_CLAIMS, _jwt_claims),
    Dimension("session_engines", Kind.SESSION_ENGINE, _session_engine),
    Dimension("knox_tokens", Kind.KNOX_TOKENS, _knox_tokens),
    Dimension("conn_max_age", Kind.CONN_MAX_AGE, _conn_max_age),
    Dimension("middleware", Kind.MIDDLEWARE, _middleware),
    Dimension("backends", Kind.BACKENDS, _backends),
    Dimension("enumeration", Kind.ENUMERATION, _enumeration),
)


def dimensions(records: list[dict[str, Any]], baseline_us: float | None) -> dict[str, list]:
    """Every dimension list of :data:`DIMENSION_TABLE`, from the records that measured it."""
    return {
        d.name: [d.row(r, records, baseline_us) for r in records if r.get("kind") == d.kind]
        for d in DIMENSION_TABLE
    }


def queries_by_scheme(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The SQL of one request per scheme and method, and of a first login (queries.json)."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("kind") == Kind.REQUEST:
            out.setdefault(r["scheme"], {})[r["method"]] = r.get("sql", [])
        elif r.get("kind") == Kind.LOGIN:
            out.setdefault(r["scheme"], {})["login_writes"] = r.get("write_sql", [])
    return out


def build_summary(
    *,
    run_id: str,
    quick: bool,
    provenance: dict[str, Any],
    schemes: list[dict[str, Any]],
    baseline: str,
    verification: dict[str, Any],
    benchmark_json: dict[str, Any],
    evidence: dict[str, Any] | None = None,
    other_cores: float | None = None,
) -> dict:
    """The whole ``summary.json`` except the load figures (``load.ran`` is false);
    ``other_cores``: what other processes kept busy while the suites ran (the noise)."""
    records = read_records(benchmark_json)
    base = pick(records, Kind.REQUEST, scheme=baseline, method="GET")
    baseline_us = _get(base, "median_us")
    headers = _get(base, "response_headers")
    floor = pick(records, Kind.FLOOR)
    figures = {
        meta["scheme"]: {
            **scheme_entry(meta, records, baseline_us, headers, base),
            **attribution.extra_costs(records, meta["scheme"], baseline),
        }
        for meta in schemes
    }
    summary = results_summary.build(
        run_id,
        quick=quick,
        provenance=provenance,
        schemes=schemes,
        figures=figures,
        noise=noise(records, baseline, figures, other_cores),
        verification=verification,
        floor={
            "bare_django_view_us": _get(floor, "median_us"),
            "bare_django_view_iqr_us": _get(floor, "iqr_us"),
            "ratio_to_none": ratio_to_baseline(floor, baseline_us),
        },
        dimensions=dimensions(records, baseline_us),
        evidence=evidence,
    )
    summary["attribution"] = attribution.attribution_section(records)
    summary["load"]["reason"] = "not run yet"
    return summary
