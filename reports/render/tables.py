"""The report's tables as rows of formatted strings, shared by the HTML and Markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reports import families, fmt, scale, servers
from reports.analyse import HEADLINE, Analysis, Row
from reports.collect import Run, is_baseline
from reports.figures import revocation_delay

PACKAGE_LABELS = {
    "Django": "Django",
    "djangorestframework": "DRF",
    "djangorestframework-simplejwt": "simplejwt",
    "django-rest-knox": "knox",
    "PyJWT": "PyJWT",
    "cryptography": "cryptography",
    "gunicorn": "gunicorn",
    "locust": "locust",
}
PROPERTY_COLUMNS = (
    ("stateless", "stateless", fmt.yes_no),
    ("expiry", "default expiry", fmt.text),
    ("revocation", "revocation", lambda v: fmt.text(v, "cannot be revoked")),
    ("stored_at_rest", "stored at rest", fmt.text),
    ("stored_credential_usable", "stored row usable as credential", fmt.yes_no),
    ("csrf_on_unsafe", "CSRF on writes", fmt.yes_no),
    ("transport", "credential transport", fmt.text),
    ("user_checked_per_request", "user checked per request", fmt.yes_no),
    ("logout_immediate", "logout immediate", fmt.yes_no),
    ("revoked_by_password_change", "password change revokes", fmt.yes_no),
)


@dataclass
class Table:
    """A titled table of strings; ``baseline`` marks rows of the ``none`` scheme."""

    title: str
    header: list[str]
    rows: list[list[str]]
    baseline: list[bool]
    #: Per row: a family's label where a family's rows start (a header row above), else
    #: ``None``; empty for a table not grouped by family.
    sections: list[str | None] = field(default_factory=list)

    def section_of(self, index: int) -> str | None:
        """The family header to draw above row ``index`` (``None``: none)."""
        return self.sections[index] if self.sections else None


def by_family(analysis: Analysis) -> tuple[list[Row], list[str | None]]:
    """The analysis' rows in the report's family order, and where each family starts."""
    entries = families.ordered(analysis.run.schemes)
    rows = {r.scheme: r for r in analysis.rows}
    return [rows[e["scheme"]] for e in entries], families.section_starts(analysis.run.schemes)


def headline_cell(analysis: Analysis, row: Row, figure) -> str:
    """One headline cell: the value (with IQR); ``not run`` for load figures of a run without."""
    if figure.load and not analysis.run.load_ran:
        return fmt.NOT_RUN
    value = row.values.get(figure.key)
    if figure.key == "crypto":
        return fmt.text(value, "none")
    if value is None and (why := _nothing_to_measure(analysis.run, row.scheme, figure.key)):
        return why
    if figure.spread:
        cell = fmt.us_spread(value, row.spreads.get(figure.key))
        return fmt.with_interval(cell, row.intervals.get(figure.key)) if value is not None else cell
    few = analysis.run.by_name.get(row.scheme, {}).get("load_too_few_samples") or []
    if figure.key.removeprefix("load_").removesuffix("_us") in few:
        n = analysis.run.by_name[row.scheme].get("load_requests")
        return f"too few samples (n={fmt.count(n)})"
    cell = figure.write(value)
    if figure.interval and value is not None:
        return fmt.with_interval(cell, row.intervals.get(figure.key), figure.write)
    vs = row.vs_none.get(figure.key)
    if figure.load and vs is not None and not is_baseline(row.scheme):
        cell += f" ({fmt.ratio(vs)})"
    if figure.key == "load_p50_us" and value is not None:  # the sample behind p50..p99
        cell += f" n={fmt.count(analysis.run.by_name[row.scheme].get('load_requests'))}"
    return cell


#: Headline figures some schemes have nothing of: what their cell says instead of
#: "not measured" (which would send a reader looking for a missing run).
NOTHING_TO_MEASURE = {
    "login_us": "no login",  # none, and the schemes that send the password every time
    "authenticate_us": "no class",  # none: no authentication class to call
}


def _nothing_to_measure(run: Run, scheme: str, key: str) -> str:
    """Why ``scheme`` has no ``key`` figure by design ("" when it should have one): no
    login view (its ``has_login``, from the registry), or none's missing class."""
    entry = run.by_name.get(scheme, {})
    if key == "login_us" and entry.get("has_login") is False:
        return NOTHING_TO_MEASURE[key]
    if key == "authenticate_us" and is_baseline(scheme):
        return NOTHING_TO_MEASURE[key]
    return ""


def headline(analysis: Analysis) -> Table:
    """Scheme × headline figures, grouped by family; load cells carry their multiple of
    ``none``."""
    rows, sections = by_family(analysis)
    return Table(
        "Headline",
        ["scheme", *(f.label for f in HEADLINE)],
        [[r.scheme, *(headline_cell(analysis, r, f) for f in HEADLINE)] for r in rows],
        [is_baseline(r.scheme) for r in rows],
        sections,
    )


def properties(analysis: Analysis) -> Table:
    """Scheme × security properties, grouped by family: each scheme's declared
    ``properties``, its revocation delay, who issues it and what its claims show."""
    rows, sections = by_family(analysis)
    by_name = analysis.run.by_name
    return Table(
        "Properties",
        [
            "scheme",
            "revocation delay",
            "issuer",
            "claims on the wire",
            *(label for _, label, _ in PROPERTY_COLUMNS),
        ],
        [
            [
                r.scheme,
                delay_cell(by_name[r.scheme]),
                issuer(by_name[r.scheme]),
                claims_on_the_wire(by_name[r.scheme]),
                *(write(r.properties.get(key)) for key, _, write in PROPERTY_COLUMNS),
            ]
            for r in rows
        ],
        [is_baseline(r.scheme) for r in rows],
        sections,
    )


def delay_cell(entry: dict[str, Any]) -> str:
    """``revocation_delay_s`` for readers: ``0 (immediate)``, ``1 min``, ``never``."""
    declared, delay = revocation_delay(entry)
    if is_baseline(entry["scheme"]) or not declared:
        return "-" if declared else fmt.NOT_MEASURED
    if delay is None:
        return "never (until it expires)"
    return "0 (immediate)" if delay == 0 else fmt.seconds(delay)


def issuer(entry: dict[str, Any]) -> str:
    """Who issues the credential: a third party (an OIDC provider, by its ``family`` or a
    declared ``third_party_issuer``) or this server."""
    if is_baseline(entry["scheme"]):
        return "-"
    declared = entry["properties"].get("third_party_issuer")
    third = declared if declared is not None else entry.get("family") == "third-party"
    return "third party" if third else "this server"


#: What a reader can see in a captured credential, by the kind of its first carrier.
CLAIMS_BY_KIND = {
    "password": "the password (base64)",
    "session": "none (an opaque key)",
    "token": "none (an opaque key)",
    "jwt": "readable (signed, not encrypted)",
    "signed": "readable (signed, not encrypted)",
}


def claims_on_the_wire(entry: dict[str, Any]) -> str:
    """What a captured credential shows: encrypted claims (a declared ``claims_encrypted``,
    or a decryption among the crypto run per request), else by its carrier's kind."""
    props = entry["properties"]
    carriers = props.get("carriers") or []
    if is_baseline(entry["scheme"]) or not carriers:
        return "-"
    encrypted = props.get("claims_encrypted")
    if encrypted is None:
        encrypted = "decrypt" in (props.get("crypto_per_request") or "").lower()
    if encrypted:
        return "encrypted (unreadable without the key)"
    return CLAIMS_BY_KIND.get(carriers[0].get("kind"), "-")


def claims(analysis: Analysis) -> Table:
    """One row per claim: the claim, its verdict and the evidence."""
    return Table(
        "Claims",
        ["claim", "verdict", "evidence"],
        [
            [
                f.claim.text,
                f.verdict + (f" ({f.caveat})" if f.caveat else ""),
                "; ".join(f.evidence),
            ]
            for f in analysis.findings
        ],
        [False] * len(analysis.findings),
    )


def provenance(run: Run) -> list[tuple[str, str]]:
    """Label/value pairs saying where, how and with what the run was measured."""
    p = run.provenance
    commit = fmt.text(p.get("commit"), "unknown")[:12] + (" (dirty)" if p.get("dirty") else "")
    python = f"{fmt.text(p.get('implementation'), '')} {fmt.text(p.get('python'))}"
    return [
        ("run", f"{run.run_id} ({'QUICK' if run.quick else 'full'})"),
        ("date", fmt.text(p.get("date"), "unknown")),
        ("commit", commit),
        ("python", python.strip()),
        ("packages", _packages(p.get("packages") or {})),
        ("password hasher", _hasher(p.get("hasher") or {})),
        ("session engine", fmt.text(p.get("session_engine"))),
        ("database", _database(p.get("database") or {})),
        ("cache", fmt.text(p.get("cache"))),
        ("JWT algorithm", fmt.text(p.get("jwt_algorithm"))),
        ("machine", _machine(p.get("machine") or {})),
        ("floor", _floor(run.floor)),
        ("noise", _noise(run.noise)),
        ("instructions", _instructions(p.get("instructions") or {})),
        ("load phase", _load(run)),
    ]


def _packages(packages: dict[str, Any]) -> str:
    found = [f"{label} {packages[n]}" for n, label in PACKAGE_LABELS.items() if packages.get(n)]
    return ", ".join(found) or "-"


def _hasher(hasher: dict[str, Any]) -> str:
    params = ", ".join(f"{k}={v}" for k, v in hasher.items() if k not in {"algorithm", "class"})
    return fmt.text(hasher.get("algorithm")) + (f" ({params})" if params else "")


def _database(db: dict[str, Any]) -> str:
    init = (db.get("options") or {}).get("init_command")
    out = f"{fmt.text(db.get('vendor'))}, CONN_MAX_AGE={fmt.text(db.get('conn_max_age'), 'None')}"
    return out + (f", {init}" if init else "")


def _machine(m: dict[str, Any]) -> str:
    return (
        f"{fmt.text(m.get('cpu'))}, {fmt.text(m.get('cores'))} cores, "
        f"{fmt.text(m.get('system'))} {fmt.text(m.get('arch'), '')}"
    ).strip()


def _floor(floor: dict[str, Any]) -> str:
    cost = fmt.us_spread(floor.get("bare_django_view_us"), floor.get("bare_django_view_iqr_us"))
    return f"bare Django view {cost} µs"


def _noise(noise: dict[str, Any]) -> str:
    noisy = noise.get("noisy")
    word = fmt.NOT_MEASURED if noisy is None else ("NOISY" if noisy else "steady")
    widths = ""
    if noise.get("ratio_ci_pct") is not None or noise.get("baseline_ci_pct") is not None:
        widths = (
            f"95% intervals: none ± {fmt.text(noise.get('baseline_ci_pct'))}%, typical × none "
            f"± {fmt.text(noise.get('ratio_ci_pct'))}% (noisy above ± "
            f"{fmt.text(noise.get('threshold_pct'))}%); "
        )
    cores = noise.get("other_cpu_cores")
    crowd = (
        f"other processes {cores:.2f} cores (noisy above {noise.get('other_cores_threshold')}); "
        if cores is not None
        else ""
    )
    return (
        f"{widths}{crowd}none baseline {fmt.us(noise.get('baseline_start_us'))} µs at the start → "
        f"{fmt.us(noise.get('baseline_end_us'))} µs at the end "
        f"({fmt.pct(noise.get('drift_pct'))}): {word}"
    )


def _instructions(counted: dict[str, Any]) -> str:
    if not counted.get("ran"):
        return fmt.text(counted.get("reason"), fmt.NOT_RUN)
    scaling = counted.get("hasher_scaling") or {}
    scaled = ""
    if scaling.get("per_iteration") is not None:
        scaled = (
            f"; password hashing counted at {scaling.get('points', [None])[0]} iterations, "
            f"scaled to {fmt.text(scaling.get('default_iterations'))} "
            f"(linearity error {fmt.text(scaling.get('linearity_error_pct'))}%)"
        )
    return (
        f"{fmt.text(counted.get('valgrind'))} {fmt.text(counted.get('tool'))}, "
        f"PYTHONHASHSEED={fmt.text(counted.get('PYTHONHASHSEED'))}, "
        f"{fmt.text(counted.get('repetitions'))} calls per path{scaled}"
    )


def _load(run: Run) -> str:
    if not run.load_ran:
        return fmt.NOT_RUN
    load = run.load
    workers = f"{fmt.text(load.get('gunicorn_workers'))} workers"
    threads = f"{fmt.text(load.get('gunicorn_threads'))} threads"
    return (
        f"{fmt.text(load.get('users'))} users, {fmt.text(load.get('duration_s'))} s per scheme "
        f"(+{fmt.text(load.get('warmup_s'))} s warm-up), gunicorn {workers} × {threads}, "
        f"generator CPU {fmt.text(load.get('generator_cpu_pct'))}%"
        + (" (SATURATED)" if load.get("generator_saturated") else "")
    )


def verification(run: Run) -> Table:
    """What was checked before timing: status with and without a credential, user."""
    rows = []
    for name, v in run.verification.items():
        v = v if isinstance(v, dict) else {}
        rows.append(
            [
                name,
                fmt.yes_no(v.get("ok")),
                fmt.text(v.get("status_with")),
                fmt.text(v.get("username")),
                fmt.text(v.get("status_without")),
            ]
        )
    return Table(
        "Verified before timing",
        ["scheme", "ok", "with credential", "user", "without"],
        rows,
        [is_baseline(r[0]) for r in rows],
    )


def _cell(key: str, value: Any) -> str:
    if isinstance(value, list):
        # Dotted paths (middleware, backends) by their last name: the table stays legible.
        return ", ".join(str(v).rsplit(".", 1)[-1] for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, bool):
        return fmt.yes_no(value)
    if isinstance(value, int | float):
        if key.endswith("_us") or key == "us":
            return fmt.us(value)
        if key.startswith("ratio") or "_ratio_to_" in key:  # cpu_ratio_to_none: 1.34×
            return fmt.ratio(value)
        if key.endswith("bytes"):
            return fmt.nbytes(value)
        return fmt.count(value)
    return fmt.text(value)


def _interval_of(key: str) -> str:
    """The field holding ``key``'s 95% interval (``request_us`` -> ``request_ci_us``,
    ``ratio_to_none`` -> ``ratio_to_none_ci``)."""
    return key[: -len("_us")] + "_ci_us" if key.endswith("_us") else key + "_ci"


def dimension(name: str, rows: list[dict[str, Any]]) -> Table:
    """A measured dimension's rows as a table, columns in the producer's order; a
    figure's 95% interval (``<figure>_ci``) goes in its figure's cell, not a column."""
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    folded = {_interval_of(k) for k in keys} & set(keys)
    keys = [k for k in keys if k not in folded]

    def cell(key: str, row: dict[str, Any]) -> str:
        text = _cell(key, row.get(key))
        ci = row.get(_interval_of(key)) if _interval_of(key) in folded else None
        return fmt.with_interval(text, ci, fmt.ratio if key.startswith("ratio") else fmt.us)

    return Table(
        name.replace("_", " "),
        keys,
        [[cell(k, r) for k in keys] for r in rows],
        [False] * len(rows),
    )


def server_notes(run: Run) -> list[str]:
    """What the servers dimension means: the ASGI cost per scheme, and which figures
    are capacity (transferable) and which depend on this machine."""
    raw = (run.raw.get("dimensions") or {}).get("servers") or {}
    if not isinstance(raw, dict) or not raw:
        return []
    meta = run.provenance.get("servers") or {}
    rows = run.dimensions.get("servers", [])
    statement = servers.asgi_statement(
        raw,
        meta.get("cpu_clock_tick_s") or servers.DEFAULT_TICK_S,
        run.by_name.get("none", {}).get("request_us"),
    )
    saturated = sorted(
        {f"{r['scheme']} ({r['server']})" for r in rows if r.get("generator_saturated")}
    )
    notes = [statement] if statement else []
    notes.append(servers.CAPACITY_NOTE)
    if meta.get("warmup_rule"):
        notes.append(f"Warm-up ({fmt.text(meta.get('warmup_s'))} s fixed): {meta['warmup_rule']}.")
    notes += [servers.sample_note(rows, meta.get("open_loop_min_samples"))]
    notes.append(servers.capped_note(raw))
    notes = [n for n in notes if n]
    if saturated:
        notes.append("Generator saturated (latency is the generator's): " + ", ".join(saturated))
    return notes


def dimensions(run: Run) -> list[Table]:
    """Every non-empty dimension of the run, as tables (the data behind the charts)."""
    tables = [
        dimension(name, servers.table_rows(rows) if name == "servers" else rows)
        for name, rows in run.dimensions.items()
        if rows
    ]
    servers_raw = (run.raw.get("dimensions") or {}).get("servers") or {}
    if isinstance(servers_raw, dict) and servers_raw:
        tables.append(dimension("server_header_limits", servers.limit_rows(servers_raw)))
        tick = (run.provenance.get("servers") or {}).get("cpu_clock_tick_s")
        costs = servers.asgi_costs(servers_raw, tick or servers.DEFAULT_TICK_S)
        if costs:
            tables.append(dimension("asgi_against_wsgi", costs))
    points = run.dimensions.get("scale") or []
    if any(p.get("lookup_us") is not None for p in points):
        # make scale's flat-or-grows verdict per store and credential kind
        tables.append(dimension("scale_verdicts", scale.verdicts(points)))
    return tables
