"""`python -m bench [--only startup,sts] [--targets cloudlet,moto] [--quick] [--rounds N] [--name NAME]`."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import dynamodb as ddb_bench
from bench import loads, measure, report
from bench import s3 as s3_bench
from bench import sqs as sqs_bench
from bench.client import TargetFailed, sts_client, wait_ready
from bench.peers import DEFAULT_TARGETS, FIGURES, TARGETS, Running, Target

report.ROWS = (*report.ROWS, *sqs_bench.ROWS, *ddb_bench.ROWS, *s3_bench.ROWS)
KNOWN_FIGURES = (*FIGURES, *sqs_bench.FIGURES, sqs_bench.ALIAS, *ddb_bench.FIGURES, ddb_bench.ALIAS,
                 *s3_bench.FIGURES, s3_bench.ALIAS)


@dataclass(frozen=True)
class Settings:
    starts: int = 5
    sts_calls: int = 2000
    sts_warmup: int = 200
    load: loads.Load = field(default_factory=loads.Load)
    sqs: sqs_bench.SqsSettings = field(default_factory=sqs_bench.SqsSettings)
    dynamodb: ddb_bench.DdbSettings = field(default_factory=ddb_bench.DdbSettings)
    s3: s3_bench.S3Settings = field(default_factory=s3_bench.S3Settings)


QUICK = Settings(starts=2, sts_calls=300, sts_warmup=50, load=loads.Load(seconds=3), sqs=sqs_bench.QUICK,
                 dynamodb=ddb_bench.QUICK, s3=s3_bench.QUICK)


def _names(text: str, known: tuple[str, ...] | dict[str, Target], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="cloudlet against its peers")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"figures to take, from {', '.join(KNOWN_FIGURES)}")
    parser.add_argument("--targets", default=",".join(DEFAULT_TARGETS),
                        help=f"targets in run order, from {', '.join(TARGETS)}")
    parser.add_argument("--quick", action="store_true", help="fewer starts and calls, 3 s of wrk: a smoke run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the targets in turn this many times; each figure is the median of its rounds "
                             "(on a host whose neighbours come and go, alternating peers is what keeps a ratio fair)")
    parser.add_argument("--name", help="results file name under bench/results/ (default: the UTC date and time)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = s3_bench.expand(ddb_bench.expand(sqs_bench.expand(_names(args.only, KNOWN_FIGURES, "figure"))))
    targets = _names(args.targets, TARGETS, "target")
    settings = QUICK if args.quick else Settings()
    if "capacity" in figures and loads.wrk_path() is None:
        _say("WARNING: wrk is not installed (apt-get install -y wrk); the capacity figure will be missing")
    machine = report.machine()
    rounds = [{name: run_target(TARGETS[name], figures, settings) for name in targets}
              for _ in range(max(1, args.rounds))]
    results = {name: merge_rounds([r[name] for r in rounds]) for name in targets}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = args.name or (f"{stamp}-quick" if args.quick else stamp)
    doc = report.document(name, {**asdict(settings), "figures": figures}, machine, results)
    path = report.write(doc)
    print(report.table(doc))
    print(f"results: {path}")
    return 1 if any(r["errors"] for r in results.values()) else 0


def run_target(target: Target, figures: list[str], settings: Settings) -> dict[str, Any]:
    wanted = [f for f in figures if f in target.figures or sqs_bench.applies(target.name, f)
              or ddb_bench.applies(target.name, f) or s3_bench.applies(target.name, f)]
    result: dict[str, Any] = {"version": target.version(), "about": target.about, "figures": {}, "errors": {}}
    _say(f"{target.name} {result['version']}: {', '.join(wanted)}")
    if "startup" in wanted:
        _take(result, "startup", lambda: measure.startup(target, settings.starts))
    if any(f != "startup" for f in wanted):
        running = Running(target)
        client = sts_client(running.endpoint)
        try:
            _take(result, "ready", lambda: wait_ready(running.start(), client))
            if "ready" not in result["errors"]:
                _measure_live(result, wanted, running, client, settings)
        finally:
            running.stop()
    return result


def merge_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One target's result from several rounds: each number the median of the rounds that have it,
    the rounds' own figures kept beside it."""
    if len(rounds) == 1:
        return rounds[0]
    merged: dict[str, Any] = {**rounds[0], "figures": {}, "errors": {}, "rounds": [r["figures"] for r in rounds]}
    for result in rounds:
        merged["errors"].update(result["errors"])
    for figure in dict.fromkeys(f for r in rounds for f in r["figures"]):
        taken = [r["figures"][figure] for r in rounds if figure in r["figures"]]
        merged["figures"][figure] = {
            key: statistics.median(v[key] for v in taken if key in v)
            if isinstance(value, (int, float)) and not isinstance(value, bool) else value
            for key, value in taken[0].items()
        }
    return merged


def _measure_live(result: dict[str, Any], wanted: list[str], running: Running, client: Any,
                  settings: Settings) -> None:
    if "rss" in wanted:
        _take(result, "rss", lambda: measure.idle_rss(running))
    if "sts" in wanted:
        _take(result, "sts", lambda: measure.sts_loop(client, settings.sts_calls, settings.sts_warmup))
    if "capacity" in wanted:
        _take(result, "capacity", lambda: loads.capacity(running.endpoint, settings.load))
        if "rss" in result["figures"]:
            result["figures"]["rss"]["after_load_rss_mb"] = round(running.rss_bytes() / measure.MB, 1)
    sqs_bench.measure(running.endpoint, wanted, settings.sqs, lambda figure, take: _take(result, figure, take))
    s3_bench.measure(running, wanted, settings.s3, lambda figure, take: _take(result, figure, take))
    # Last: its durability figure kills and restarts the target.
    ddb_bench.measure(running, wanted, settings.dynamodb, lambda figure, take: _take(result, figure, take))


def _take(result: dict[str, Any], figure: str, take: Callable[[], Any]) -> None:
    """Runs one measurement; a failure is recorded against that figure and the run goes on."""
    try:
        value = take()
    except TargetFailed as exc:
        result["errors"][figure] = str(exc)
        _say(f"  {figure}: FAILED: {exc}")
        return
    if figure != "ready":
        result["figures"][figure] = value
        _say(f"  {figure}: {value}")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
