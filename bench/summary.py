"""One run's figures side by side with their baselines, as a Markdown table per database.

    python bench/summary.py [--run RUN_ID] [--file bench/out/results.jsonl]

Reads the lines of one run (BENCH_RUN, set by run_all.sh; default: the run of the last
line) and prints: figure | target | baseline beside it | measured | ratio | met?
"ratio" is measured ÷ baseline (for times and sizes: how many times the baseline).
"""

import argparse
import json
import os

HEADER = ("figure", "target", "baseline beside it", "measured", "ratio", "met?")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "results.jsonl")


def _ratio(measured, baseline):
    return f"{measured / baseline:.2f}" if measured is not None and baseline else "—"


def _met(flag, short=None):
    if flag is None:
        return "—"
    return "yes" if flag else ("no" + (f" ({short})" if short else ""))


def _times_short(target, measured, higher_is_better=True):
    if not measured or not target:
        return None
    factor = target / measured if higher_is_better else measured / target
    return f"{factor:.1f}× off target" if factor > 1 else None


def transitions(line, _run):
    s, f = line["service_per_s"], line["floor_per_s"]
    yield ("transitions/s through `fire_event`", "≥ 0.8 × floor", f"Core floor {f} /s",
           f"{s} /s (n={line['n']})", _ratio(s, f),
           _met(line["met"], _times_short(0.8 * f, s)))
    if "fanout_items_per_s" in line:  # telling, after the commit (no target of its own)
        yield ("fan-out after the commit, items told/s", "—", "—",
               f"{line['fanout_items_per_s']} /s ({line['told']} items)", "", "")


def statements(line, _run):
    n, f = line["statements_per_transition"], line["floor_statements"]
    yield ("statements per single transition (supervisor approve)", "≤ 6",
           f"Core floor {f}", str(n), _ratio(n, f), _met(line["met"]))


def batch_approve(line, _run):
    stage = line.get("stage", "secretary")
    per_s, floor = line["per_s"], line.get("floor_per_s")
    yield (f"batch approve {line['n']:,} in one request, {stage} stage", "≥ 5,000 /s",
           f"per-item Core floor {floor} /s" if floor else "—",
           f"{per_s} /s ({line['approved']} handled in {line['seconds']} s)",
           _ratio(per_s, floor), _met(line["met"], _times_short(5000, per_s)))


def open_cycle(line, _run):
    s, f = line["seconds"], line["floor_seconds"]
    yield (f"open a cycle for {line['assessments']:,}, notices queued", "≤ 10 s",
           f"bare executemany {f} s", f"{s} s ({line['notifications']:,} notices)",
           _ratio(s, f), _met(line["met"], _times_short(10, s, False)))


def grading(line, _run):
    s, f = line["seconds"], line["pure_seconds"]
    yield (f"grade {line['assessments']:,}", "≤ 3 s", f"`grade_items` alone {f} s",
           f"{s} s", _ratio(s, f), _met(line["met"], _times_short(3, s, False)))


def web(line, run):
    bare = line["bare"]
    base = f"bare page {bare['rps']} rps, p95 {bare['p95_ms']} ms"
    for key, name in (("queue_page", "queue page `/tasks?size=50`"),
                      ("api_tasks", "`GET /api/v1/tasks?limit=50`")):
        f = line[key]
        yield (f"{name}, {line['clients']} clients", "p95 ≤ 50 ms, ≥ 40 % of bare", base,
               f"{f['rps']} rps, p95 {f['p95_ms']} ms, {f['errors']} errors",
               _ratio(f["rps"], bare["rps"]), _met(f["met"]))
    rss, idle = line.get("web_worker_peak_rss_mb"), _app_only(run)
    yield ("web worker peak RSS", "≤ 200 MB", f"app only {idle} MB" if idle else "—",
           f"{rss} MB", _ratio(rss, idle), _met(rss < 200 if rss else None))


def memory(line, _run):
    rss, idle = line["scheduler_peak_rss_mb"], line["app_only_peak_rss_mb"]
    yield ("scheduler `--run-once` peak RSS", "≤ 200 MB", f"app only {idle} MB",
           f"{rss} MB ({line['scheduler_seconds']} s)", _ratio(rss, idle), _met(line["met"]))


def sqlite_settings(line, _run):
    s, f = line["service_per_s"], line["floor_per_s"]
    yield (f"transitions/s, SQLite settings: {line['variant']}", "≥ 0.8 × floor",
           f"Core floor {f} /s", f"{s} /s", _ratio(s, f), _met(s >= 0.8 * f))


def sqlite_commit(line, _run):
    full, normal = (line["commits_per_s_synchronous_full"],
                    line["commits_per_s_synchronous_normal"])
    yield ("commits/s, one-row INSERT each, SQLite WAL synchronous=NORMAL", "—",
           f"synchronous=FULL {full} /s", f"{normal} /s", _ratio(normal, full), "—")


ROWS = {"transitions": transitions, "statements": statements,
        "batch_approve": batch_approve, "open_cycle": open_cycle, "grading": grading,
        "web": web, "memory": memory, "sqlite_settings": sqlite_settings,
        "sqlite_commit": sqlite_commit}
_MEMORY = {}


def _app_only(run):
    """The web worker's baseline: the app-only process of bench_memory, same run."""
    return _MEMORY.get(run)


def load(path, run):
    with open(path) as fh:
        lines = [json.loads(text) for text in fh if text.strip()]
    run = run or (lines[-1].get("run", "") if lines else "")
    return run, [line for line in lines if line.get("run", "") == run]


def table(lines, run):
    rows = [HEADER, tuple("---" for _ in HEADER)]
    for line in lines:
        if line["bench"] == "memory":
            _MEMORY[run] = line["app_only_peak_rss_mb"]
    for line in lines:
        rows.extend(ROWS.get(line["bench"], lambda *_: ())(line, run))
    return "\n".join("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", default=os.environ.get("BENCH_RUN", ""))
    parser.add_argument("--file", default=OUT)
    args = parser.parse_args(argv)
    run, lines = load(args.file, args.run)
    if not lines:
        raise SystemExit(f"no figures of run {run!r} in {args.file}")
    for db in sorted({line["db"] for line in lines}):
        mine = [line for line in lines if line["db"] == db]
        label = mine[0].get("label") or ""
        print(f"\n### {db}, run {run}{' (' + label + ')' if label else ''}, "
              f"{mine[0]['at']} – {mine[-1]['at']}\n")
        print(table(mine, run))


if __name__ == "__main__":
    main()
