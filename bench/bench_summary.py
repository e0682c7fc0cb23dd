#!/usr/bin/env python3
"""Prints issue 18's table from the JSON lines finp2p-execbench --json wrote (scripts/bench).

Usage: bench_summary.py RESULTS_DIR, where RESULTS_DIR holds NAME.out files (the harness's
whole output; its JSON line is the last line starting with '{'):
  closed-2    --routers 2 --plans 2000 --concurrency 32
  open-500    --routers 2 --plans 2000 --rate 500
  closed-8    --routers 8 --plans 300 --concurrency 32
  history     --routers 2 --plans $FINP2P_BENCH_HISTORY --window 10000 (only when that is set)
A run that is missing or printed no JSON shows as "missing", never as a number.
"""

import json
import os
import sys


def load(directory, name):
    path = os.path.join(directory, name + ".out")
    if not os.path.exists(path):
        return None
    found = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    found = json.loads(line)
                except json.JSONDecodeError:
                    pass
    # A --spec-client-only line has no routers' figures: not a run of the table.
    return found if found and "plans_per_second" in found else None


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    closed2, open500, closed8 = load(d, "closed-2"), load(d, "open-500"), load(d, "closed-8")
    history = load(d, "history")
    rows = []

    if closed2:
        rows.append((f"DvPs/s, 2 routers, closed loop (--plans {closed2['plans']} "
                     f"--concurrency {closed2['concurrency']})",
                     f"{fmt(closed2['plans_per_second'])} ({closed2['completed']} completed, "
                     f"{closed2['failures']} failures, p99 {fmt(closed2['p99_ms'], 0)} ms)",
                     ">= 1,000"))
    else:
        rows.append(("DvPs/s, 2 routers, closed loop", "missing", ">= 1,000"))

    if open500:
        offered = open500["rate"]
        achieved = open500["plans_per_second"]
        submitted = open500.get("submitted_per_second")
        saturated = achieved < 0.95 * offered
        text = f"p99 {fmt(open500['p99_ms'], 0)} ms, p50 {fmt(open500['p50_ms'], 0)} ms"
        if saturated:
            text += (f" — saturated: offered {fmt(offered, 0)}/s, submitted {fmt(submitted)}/s, "
                     f"completed {fmt(achieved)}/s")
        else:
            text += f" at {fmt(achieved)}/s completed (offered {fmt(offered, 0)}/s)"
        rows.append(("p99 submit -> completed everywhere, 2 routers, open loop 500/s "
                     f"({open500['plans']} plans)", text, "<= 50 ms"))
    else:
        rows.append(("p99 submit -> completed everywhere, 2 routers, open loop 500/s", "missing",
                     "<= 50 ms"))

    if closed8:
        rows.append((f"DvPs/s, 8 routers (--plans {closed8['plans']} "
                     f"--concurrency {closed8['concurrency']})",
                     f"{fmt(closed8['plans_per_second'])} (CPU per plan "
                     f"{fmt(closed8['cpu_ms_per_plan'])} ms)", ">= 100"))
    else:
        rows.append(("DvPs/s, 8 routers", "missing", ">= 100"))

    if closed2:
        rows.append(("CPU per plan / the floor of the protocol as specified (2 routers)",
                     f"{fmt(closed2['cpu_over_floor'], 2)} ({fmt(closed2['cpu_ms_per_plan'], 2)} "
                     f"ms / {fmt(closed2['floor_ms'], 2)} ms)", "report it"))
        batched = closed2.get("batched_floor_ms")
        if batched is None:
            text = "n/a (no batched seals in this build)"
        else:
            text = (f"{fmt(closed2['cpu_ms_per_plan'] / batched, 2)} "
                    f"({fmt(closed2['cpu_ms_per_plan'], 2)} ms / {fmt(batched, 2)} ms)")
        rows.append(("CPU per plan / the floor of the batched protocol", text, "<= 2"))
    else:
        rows.append(("CPU per plan / the floor", "missing", "report it; batched <= 2"))

    if history and history.get("windows"):
        w = history["windows"]
        done = len(w) * 10000
        rows.append((f"throughput at {done:,} journaled plans / at 10,000",
                     f"{100 * w[-1] / w[0]:.0f} % ({fmt(w[-1])} / {fmt(w[0])} plans/s over the "
                     "last / first 10,000)", ">= 90 %"))
    elif os.environ.get("FINP2P_BENCH_HISTORY"):
        rows.append(("throughput at 1,000,000 journaled plans / at 10,000",
                     "missing (the history run printed no windows)", ">= 90 %"))
    else:
        rows.append(("throughput at 1,000,000 journaled plans / at 10,000",
                     "not run (set FINP2P_BENCH_HISTORY=1000000)", ">= 90 %"))

    for name, run in (("2 routers, closed loop", closed2), ("2 routers, open loop 500/s", open500),
                      ("8 routers", closed8)):
        if run and run.get("execd_over_spec_plans_per_second") is not None:
            rows.append((f"finp2p-execd / spec client, {name}",
                         f"plans/s {fmt(run['plans_per_second'])} / "
                         f"{fmt(run['spec_plans_per_second'])} = "
                         f"{fmt(run['execd_over_spec_plans_per_second'], 2)}; CPU per plan "
                         f"{fmt(run['cpu_ms_per_plan'], 2)} / {fmt(run['spec_cpu_ms_per_plan'], 2)}"
                         f" ms = {fmt(run['execd_over_spec_cpu_per_plan'], 2)}", "report it"))
        elif run:
            rows.append((f"finp2p-execd / spec client, {name}", "spec client not run", "report it"))

    print("| figure | measured | target |")
    print("|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
