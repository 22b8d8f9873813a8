"""What a run found: the results document, its ratios against cloudlet, and the printed table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import psutil

from bench.loads import wrk_path

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
BASELINE = "cloudlet"


@dataclass(frozen=True)
class Row:
    label: str
    figure: str
    key: str
    unit: str
    higher_is_better: bool = False


ROWS = (
    Row("start to first STS call, median", "startup", "median_ms", "ms"),
    Row("idle RSS", "rss", "idle_rss_mb", "MB"),
    Row("STS boto3 loop, median", "sts", "median_ms", "ms"),
    Row("STS boto3 loop, p99", "sts", "p99_ms", "ms"),
    Row("STS boto3 loop, median over floor", "sts", "over_floor_ms", "ms"),
    Row("STS boto3 loop, min over floor", "sts", "min_over_floor_ms", "ms"),
    Row("wrk GetCallerIdentity", "capacity", "requests_per_s", "req/s", higher_is_better=True),
    Row("wrk latency p50", "capacity", "p50_ms", "ms"),
    Row("wrk latency p99", "capacity", "p99_ms", "ms"),
    Row("RSS after wrk", "rss", "after_load_rss_mb", "MB"),
)


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_times_at_start": _cpu_times(),
    }


def _cpu_times() -> dict[str, float]:
    times = psutil.cpu_times()
    return {"steal": getattr(times, "steal", 0.0), "total": sum(times)}


def _steal_percent(start: dict[str, float]) -> float:
    """The share of CPU time the hypervisor gave to other guests during the run: on a shared
    virtual machine it slows every target alike, but makes absolute figures of one run
    incomparable with another's."""
    end = _cpu_times()
    total = end["total"] - start["total"]
    return round(100 * (end["steal"] - start["steal"]) / total, 1) if total > 0 else 0.0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def client_versions() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in ("boto3", "botocore", "psutil")}
    versions["wrk"] = _wrk_version()
    return versions


def _wrk_version() -> str:
    path = wrk_path()
    if path is None:
        return "not installed"
    # wrk has no --version: its usage text starts with the version line.
    done = subprocess.run([path, "-v"], capture_output=True, text=True)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "unknown"


def document(name: str, settings: dict[str, Any], machine_info: dict[str, Any],
             targets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    _add_over_floor(targets)
    machine_info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    start_times = machine_info.pop("cpu_times_at_start", None)
    if start_times is not None:
        machine_info["cpu_steal_percent"] = _steal_percent(start_times)
    return {
        "name": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "settings": settings,
        "machine": machine_info,
        "client": client_versions(),
        "targets": targets,
        "ratios_vs_cloudlet": ratios(targets),
    }


def _add_over_floor(targets: dict[str, dict[str, Any]]) -> None:
    floor = targets.get("floor", {}).get("figures", {}).get("sts")
    if not floor:
        return
    for result in targets.values():
        sts = result["figures"].get("sts")
        if sts:
            sts["over_floor_ms"] = round(sts["median_ms"] - floor["median_ms"], 3)
            # Minimums move least when other work shares the cores: a steadier second opinion.
            sts["min_over_floor_ms"] = round(sts["min_ms"] - floor["min_ms"], 3)


def value(result: dict[str, Any], row: Row) -> float | None:
    return result.get("figures", {}).get(row.figure, {}).get(row.key)


def ratios(targets: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """peer / cloudlet for every figure both have; above 1 is more (slower, bigger, or more req/s)."""
    base = targets.get(BASELINE)
    if base is None:
        return {}
    out: dict[str, dict[str, float]] = {}
    for name, result in targets.items():
        if name == BASELINE:
            continue
        pairs = ((f"{row.figure}.{row.key}", value(result, row), value(base, row)) for row in ROWS)
        out[name] = {key: round(peer / ours, 2) for key, peer, ours in pairs if _positive(peer, ours)}
    return out


def _positive(*values: float | None) -> bool:
    return all(v is not None and v > 0 for v in values)


def table(doc: dict[str, Any]) -> str:
    targets = doc["targets"]
    names = list(targets)
    rows = [["figure", *names]]
    for row in ROWS:
        cells = [_cell(targets, name, row) for name in names]
        if any(cells):
            direction = "higher is better" if row.higher_is_better else "lower is better"
            rows.append([f"{row.label} ({row.unit}, {direction})", *cells])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"(x N) = target / {BASELINE}. {_load_note(doc['machine'])}")
    for name in names:
        for figure, error in targets[name].get("errors", {}).items():
            lines.append(f"{name} {figure}: FAILED: {error.splitlines()[0]}")
    return "\n".join(lines)


def _load_note(machine_info: dict[str, Any]) -> str:
    start, end = machine_info["load_average_at_start"][0], machine_info["load_average_at_end"][0]
    note = f"Load average (1 min) {start} at start, {end} at end on {machine_info['logical_cpus']} CPUs"
    # The end figure includes the bench's own load; only the start says whether others were busy.
    busy = start > 0.5 * (machine_info["logical_cpus"] or 1)
    note += ": the machine was busy before the run, figures are noisy." if busy else "."
    steal = machine_info.get("cpu_steal_percent")
    if steal is not None:
        note += f" CPU time stolen by the hypervisor: {steal}%."
    return note


def _cell(targets: dict[str, dict[str, Any]], name: str, row: Row) -> str:
    figure = value(targets[name], row)
    if figure is None:
        errors = targets[name].get("errors", {})
        return "-" if row.figure in errors or "ready" in errors else ""
    text = f"{figure:,.0f}" if abs(figure) >= 100 else f"{figure:.2f}"
    base = value(targets.get(BASELINE, {}), row)
    if name != BASELINE and _positive(figure, base):
        text += f" (x{figure / base:.2f})"
    return text


def write(doc: dict[str, Any]) -> str:
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{doc['name']}.json")
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    return path
