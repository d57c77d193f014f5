"""``make load``'s plain-text table of the load figures (the report renders its own)."""

from __future__ import annotations

from typing import Any


def table(result: dict[str, Any]) -> str:
    """A plain-text table of the load figures, one row per scheme."""
    head = (
        f"{'scheme':<15}{'srv CPU us/req':>15}{'req/s':>9}{'n':>8}{'p50 us':>10}{'p95 us':>10}"
        f"{'p99 us':>10}{'max us':>10}{'fail':>6}{'B/req':>8}{'gen CPU%':>10}"
    )
    rows = [head, "-" * len(head)]
    for name, f in result["schemes"].items():
        few = f.get("load_too_few_samples") or []
        pcts = "".join(
            f"{'few':>10}" if p in few else _n(f[f"load_{p}_us"], 10) for p in ("p50", "p95", "p99")
        )
        rows.append(
            f"{name:<15}{_n(f['load_server_cpu_us_per_request'], 15)}{_n(f['load_rps'])}"
            f"{_n(f['load_requests'], 8)}{pcts}{_n(f['load_max_us'], 10)}"
            f"{_n(f['load_failures'], 6)}{_n(f['load_bytes_per_request'], 8)}"
            f"{_n(f['load_generator_cpu_pct'], 10)}"
        )
    rows.append(
        "\nsrv CPU us/req: the server's CPU per request (capacity per core: 1e6 / it); "
        "few: too few samples (n) for that percentile."
    )
    meta_ = result["meta"]
    if meta_["generator_saturated"]:
        rows.append(
            f"\nThe load generator saturated a core ({meta_['generator_cpu_pct']:.0f}% "
            f"CPU) for: {', '.join(meta_['generator_saturated_schemes'])}: those "
            "figures are the generator's limit, not the server's."
        )
    return "\n".join(rows)


def _n(value: Any, width: int = 9) -> str:
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.0f}" if isinstance(value, float) else f"{value:>{width}}"
