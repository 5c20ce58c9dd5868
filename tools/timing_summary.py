#!/usr/bin/python3
"""Summarizes where a build's tactic timing went, from a build report (kiln build --exportReport).

For each layer that was timed: how many candidates ran, the best median, and the device time the
timing runs cost, estimated from the candidates' medians (a fully timed candidate runs once to warm
up and AVG times, or 3 times once its runs add up to 100 ms, its warm-up one of them when that takes a
third of it; one found hopeless after its first timed run runs twice; a layer's sole candidate runs
twice). The gap between that
estimate and the build's timing phase is what candidates cost on the host (plan creation, kernel
compilation, weight preparation).

usage: timing_summary.py REPORT.json [--avg-timing N] [--top K]
"""

import argparse
import json
import math
from collections import Counter


def layer_cost(candidates, runs):
    timed = [c for c in candidates if "milliseconds" in c and c["milliseconds"] >= 0]
    if not timed:
        return None
    best = min(c["milliseconds"] for c in timed)
    # Candidates are timed in order: a candidate is cut short when its first run exceeds ten times
    # the best so far; the summary cannot know the order's running best, so it counts every
    # candidate above ten times the final best as cut short (a lower bound on the cost).
    # A candidate whose runs add up to 100 ms stops after 3 (the builder's timing budget,
    # tactic_selection.cpp); the median stands for each run.
    # A warm-up of a third of the budget or more is one of the 3 (tactic_selection.cpp).
    def all_runs(ms):
        if len(timed) == 1:
            return 2
        if ms > 10 * best:
            return 2
        if ms * 3 >= 100.0:
            return 3
        return min(runs, max(3, math.ceil(100.0 / ms))) + 1 if ms > 0 else runs + 1

    cost = sum(c["milliseconds"] * all_runs(c["milliseconds"]) for c in timed)
    return best, cost, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--avg-timing", type=int, default=10)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    report = json.load(open(args.report))
    rows = []
    costly = []
    ratios = Counter()
    slow_cost = 0.0
    for layer in report["layersAfter"]:
        candidates = layer.get("candidates", [])
        if layer.get("timingReused") or layer.get("timingFromCache"):
            continue
        summary = layer_cost(candidates, args.avg_timing)
        if not summary:
            continue
        best, cost, timed = summary
        for c in timed:
            ratio = c["milliseconds"] / best if best > 0 else 1.0
            bucket = "<=1.5x" if ratio <= 1.5 else "<=3x" if ratio <= 3 else "<=10x" if ratio <= 10 else ">10x"
            ratios[bucket] += 1
            runs_cost = c["milliseconds"] * (2 if ratio > 10 else args.avg_timing + 1)
            if ratio > 3:
                slow_cost += runs_cost
            costly.append((runs_cost, ratio, c["tactic"], layer["name"]))
        rows.append((cost, layer["name"], len(timed), len(candidates) - len(timed), best,
                     max(c["milliseconds"] for c in timed)))
    phases = {p["phase"]: p["milliseconds"] for p in report.get("phases", [])}
    timing = report.get("timing", {})
    total_cost = sum(r[0] for r in rows)
    print(f"timed layers: {len(rows)}; timing phase {phases.get('tactics', 0) / 1000:.1f} s; "
          f"estimated device time of timing runs {total_cost / 1000:.1f} s; "
          f"cache hits {timing.get('cacheHits')}, misses {timing.get('cacheMisses')}, reuses {timing.get('reuses')}")
    print(f"candidates by median against the layer's best: {dict(ratios)}; "
          f"runs of candidates slower than 3x the best: {slow_cost / 1000:.1f} s")
    print(f"{'est. device ms':>14}  {'timed':>5}  {'skipped':>7}  {'best ms':>8}  {'worst ms':>9}  layer")
    for cost, name, timed, skipped, best, worst in sorted(rows, reverse=True)[: args.top]:
        print(f"{cost:14.1f}  {timed:5d}  {skipped:7d}  {best:8.3f}  {worst:9.3f}  {name}")
    print(f"{'est. device ms':>14}  {'x best':>7}  candidate (layer)")
    for cost, ratio, tactic, name in sorted(costly, reverse=True)[: args.top]:
        print(f"{cost:14.1f}  {ratio:7.1f}  {tactic} ({name})")


if __name__ == "__main__":
    main()
