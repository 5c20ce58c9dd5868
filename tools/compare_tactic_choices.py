#!/usr/bin/python3
"""How much a build's tactic choices cost against an exhaustively timed build of the same model.

Both reports come from `kiln build ... --exportReport FILE`, the second with `--exhaustiveTiming` (every
candidate timed --avgTiming times, none stopped early). For every layer whose chosen tactic differs, the
cost is the exhaustive build's time of the first build's choice minus that of its own choice; the sum over
layers, against the exhaustive build's total of chosen times, is how much slower the first build's choices
are by the exhaustive timings (both measured in one build, so the machine's state cancels out).

usage: tools/compare_tactic_choices.py REPORT.json EXHAUSTIVE_REPORT.json
"""

import json
import sys


def layers(report):
    return {layer["name"]: layer for layer in report.get("layersAfter", [])}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    first = layers(json.load(open(sys.argv[1])))
    exhaustive = layers(json.load(open(sys.argv[2])))
    total = 0.0
    cost = 0.0
    differing = []
    for name, layer in exhaustive.items():
        times = {c["tactic"]: c["milliseconds"] for c in layer.get("candidates", []) if "milliseconds" in c}
        own = times.get(layer.get("tactic"))
        if own is None:
            continue
        total += own
        other = first.get(name)
        if not other or other.get("tactic") == layer.get("tactic"):
            continue
        theirs = times.get(other.get("tactic"))
        differing.append((name, other.get("tactic"), theirs, layer.get("tactic"), own))
        if theirs is not None:
            cost += theirs - own
    share = 100.0 * cost / total if total else 0.0
    print(f"{len(exhaustive)} layers, {len(differing)} with another choice; by the exhaustive timings the first "
          f"build's choices cost {cost:+.2f} ms of {total:.1f} ms ({share:+.2f} %)")
    for name, theirs, theirs_ms, own, own_ms in differing:
        shown = "untimed" if theirs_ms is None else f"{theirs_ms:.3f} ms"
        print(f"  {name}: {theirs} ({shown}) instead of {own} ({own_ms:.3f} ms)")


if __name__ == "__main__":
    main()
