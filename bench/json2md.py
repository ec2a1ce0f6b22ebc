#!/usr/bin/env python3
"""Turns gru-bench --json output into docs/performance.md's tables.

Usage: json2md.py --fast FAST.jsonl --default DEFAULT.jsonl --sweep SWEEP.jsonl
                  --doc docs/performance.md --plot-data DIR --command "..."

FAST is a full run with OPENBLAS_CORETYPE=SKYLAKEX (the fast OpenBLAS
kernels), DEFAULT a run with OpenBLAS's own detection, SWEEP the plot's
points. Every figure written comes from those files: the script replaces the
text between each "<!-- generated:NAME -->" and "<!-- end:NAME -->" marker
pair of the document and leaves the rest as it is. It also writes the
plot's data files (sweep_h.dat, sweep_b.dat) into DIR for bench/plot.gp.
"""
import argparse
import json
import re

VARIANTS = ("reset-before", "reset-after")
ONEDNN = {"reset-before": "vanilla_gru", "reset-after": "lbr_gru"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


class Run:
    """One gru-bench --json output, indexed."""

    def __init__(self, rows):
        self.rows = rows
        self.ok = {}
        self.rest = {}
        for r in rows:
            key = (r.get("impl"), r.get("config"), r.get("variant"), r.get("threads"))
            if r.get("status") == "ok":
                self.ok[key] = r
            elif "status" in r:
                self.rest[key] = r
        whole = [r for r in rows if "when" not in r or r["when"] == "end"]
        # Measured at the start and the end of a run: the larger is what
        # the machine can do.
        self.sgemm = max((r["gflops"] for r in whole
                          if r.get("impl") == "sgemm" and r.get("config") == "peak"), default=None)
        self.hoists = {r["config"]: r for r in whole
                       if r.get("impl") == "sgemm" and r.get("config") != "peak"}
        self.reads = {(r["config"], r["threads"]): r for r in whole if r.get("impl") == "read"}
        # Sampled in each case's own rounds (gru-bench's yardsticks).
        self.rounds = {(r["impl"], r["config"], r["variant"], r["threads"]): r
                       for r in rows if r.get("when") == "rounds"}
        self.bench = next((r for r in rows if r.get("impl") == "bench"), {})
        self.core = next((r["blas_core"] for r in rows if "blas_core" in r), "unknown")

    def get(self, impl, config, variant, threads):
        return self.ok.get((impl, config, variant, threads))

    def configs(self):
        seen = []
        for r in self.rows:
            if "status" in r and r["config"] not in seen:
                seen.append(r["config"])
        return seen

    def shape(self, config):
        for r in self.rows:
            if r.get("config") == config and "H" in r:
                return r
        return None


def fig(r):
    if not r:
        return "—"
    return f"{r['us_per_step_median']:.1f} ({r['us_per_step_min']:.1f}–{r['us_per_step_max']:.1f})"


def ratio(r, base):
    if not r or not base:
        return "—"
    return f"{r['us_per_step_median'] / base['us_per_step_median']:.2f}×"


def shape_text(s):
    kind = " calls" if s["streaming"] else ""
    return f"I={s['I']} H={s['H']} B={s['B']} T={s['T']}{kind}"


def comparison_table(run, threads):
    out = [
        f"| config | variant | libgru µs/step | oneDNN | oneDNN ÷ libgru | PyTorch "
        f"| PyTorch ÷ libgru | libgru, BLAS path | plain C |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in run.configs():
        s = run.shape(c)
        for v in VARIANTS:
            lib = run.get("libgru", c, v, threads)
            if not lib:
                continue
            dn = run.get("onednn", c, v, threads)
            tr = run.get("torch", c, v, threads)
            bl = run.get("libgru-blas", c, v, threads)
            ref = run.get("reference", c, v, 1) if threads == 1 else None
            out.append(
                f"| {c}: {shape_text(s)} | {v} | **{fig(lib)}** | {fig(dn)} | {ratio(dn, lib)} "
                f"| {fig(tr)} | {ratio(tr, lib)} | {fig(bl)} | {fig(ref)} |")
    return "\n".join(out)


def hoist_us(run, s):
    """A batch-1 step's share of the hoisted input GEMM at the run's sgemm
    2048³ rate, in µs (the bound's second part)."""
    return 2.0 * s["B"] * 3 * s["H"] * s["I"] / run.sgemm / 1e3


def bound_us(run, config, variant, threads=2):
    """The configuration's bound in µs per step (the issue's definitions),
    with the yardstick sampled in the case's own rounds where the run has
    it, else the run's."""
    s = run.shape(config)
    if not s or not run.sgemm:
        return None, ""
    h, i, b = s["H"], s["I"], s["B"]
    if b > 1:
        total = 2.0 * b * 3 * h * (i + h)
        r = run.rounds.get(("sgemm", config, variant, threads))
        rate, when = (r["gflops"], " (same rounds)") if r else (run.sgemm, "")
        return total / rate / 1e3, f"all {total / 1e6:.0f} MFLOP at sgemm's {rate:.0f} GFLOP/s{when}"
    weights = 3 * h * (h + (i if s["streaming"] else 0)) * 4
    read = run.rounds.get(("read", config, variant, threads))
    when = " (same rounds)" if read else ""
    read = read or run.reads.get((config, threads))
    if not read:
        return None, ""
    us = weights / read["gbps"] / 1e3
    why = f"{weights / 2**20:.2f} MiB of weights at {read['gbps']:.0f} GB/s{when}: {us:.1f} µs"
    if not s["streaming"]:
        hoist = hoist_us(run, s)
        us += hoist
        why += f", plus the hoisted input GEMM at {run.sgemm:.0f} GFLOP/s: {hoist:.1f} µs"
    return us, why


def floor_text(run, config, variant, bound, threads=2):
    """The floor sampled in the case's rounds (bench_floor_sample: the
    bound's reads split and met as a step's), and with the bound's hoist
    added, as a multiple of the bound."""
    f = run.rounds.get(("floor", config, variant, threads))
    s = run.shape(config)
    if not f or not s or not run.sgemm:
        return "—", "—"
    return fig(f), f"{(f['us_per_step_median'] + hoist_us(run, s)) / bound:.2f}×"


def bounds_table(run):
    out = [
        "| config | variant | what bounds a step (2 threads) | bound µs/step | libgru "
        "| ÷ bound | floor: the reads met as a step's | floor + hoist, ÷ bound "
        "| the hoist's own sgemm shape |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in run.configs():
        if c == "g" or not run.shape(c):
            continue
        hs = run.hoists.get(c)
        hoist = (f"M={hs['M']} N={hs['N']} K={hs['K']}: {hs['gflops']:.0f} GFLOP/s"
                 if hs else "— (no hoist)")
        for v in VARIANTS:
            us, why = bound_us(run, c, v)
            lib = run.get("libgru", c, v, 2)
            if us is None or not lib:
                continue
            floor, with_hoist = floor_text(run, c, v, us)
            out.append(f"| {c} | {v} | {why} | {us:.1f} | {fig(lib)} | "
                       f"{lib['us_per_step_median'] / us:.2f}× | {floor} | {with_hoist} | {hoist} |")
    return "\n".join(out)


def of_sgemm(run, lib):
    """libgru's GFLOP/s over sgemm's: in the same rounds where measured."""
    if not lib:
        return None
    if "of_sgemm_rounds" in lib:
        return lib["of_sgemm_rounds"]
    return lib["gflops"] / run.sgemm if run.sgemm else None


def target_rows(fast, default):
    """(target, configuration, figure, goal, met) for each of issue 4's targets."""
    rows = []

    def vs(peer, c, v, t):
        lib, p = fast.get("libgru", c, v, t), fast.get(peer, c, v, t)
        return (lib["us_per_step_median"] / p["us_per_step_median"]) if lib and p else None

    def add(target, where, value, goal, fmt="{:.2f}×"):
        op, limit = goal
        shown = f"{ {'<=': '≤', '<': '<', '>=': '≥'}[op]} {fmt.format(limit)}"
        if value is None:
            rows.append((target, where, "not measured", shown, "—"))
            return
        met = {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op]
        rows.append((target, where, fmt.format(value), shown, "met" if met else "**missed**"))

    for c, goal in (("a", 0.6), ("b", 0.7)):
        for v in VARIANTS:
            add("1", f"{c} {v}: libgru ÷ oneDNN {ONEDNN[v]}", vs("onednn", c, v, 2), ("<=", goal))
            us, _ = bound_us(fast, c, v)
            lib = fast.get("libgru", c, v, 2)
            add("1", f"{c} {v}: libgru ÷ bound", lib["us_per_step_median"] / us
                if lib and us else None, ("<=", 1.4))
    for v in VARIANTS:
        add("2", f"c {v}: libgru ÷ oneDNN", vs("onednn", "c", v, 2), ("<=", 1.0))
    for c in ("d", "e"):
        for v in VARIANTS:
            add("3", f"{c} {v}: libgru ÷ oneDNN", vs("onednn", c, v, 2), ("<=", 1.0))
            lib = fast.get("libgru", c, v, 2)
            same = " in the same rounds" if lib and "of_sgemm_rounds" in lib else ""
            add("3", f"{c} {v}: libgru GFLOP/s ÷ sgemm's{same}", of_sgemm(fast, lib),
                (">=", 0.85), "{:.0%}")
    for v in VARIANTS:
        add("4", f"f {v}: libgru ÷ oneDNN T=1 primitive", vs("onednn", "f", v, 2), ("<=", 0.9))
    add("4", "f reset-after: libgru ÷ nn.GRUCell", vs("torch", "f", "reset-after", 2), ("<=", 0.2))
    worst = None
    for c in fast.configs():
        for v in VARIANTS:
            r = vs("onednn", c, v, 1)
            if r is not None and (worst is None or r > worst[0]):
                worst = (r, f"{c} {v}")
    add("5", f"1 thread, worst: {worst[1] if worst else '—'}: libgru ÷ oneDNN",
        worst[0] if worst else None, ("<=", 1.0))
    if default:
        worst = None
        for c in default.configs():
            for t in (1, 2):
                lib, tr = default.get("libgru", c, "reset-after", t), default.get(
                    "torch", c, "reset-after", t)
                if lib and tr:
                    r = lib["us_per_step_median"] / tr["us_per_step_median"]
                    if worst is None or r > worst[0]:
                        worst = (r, f"{c}, {t} thread(s)")
        add("6", f"OpenBLAS core {default.core}, worst: {worst[1] if worst else '—'}: "
            "libgru ÷ PyTorch", worst[0] if worst else None, ("<", 1.0))
    return rows


def targets_table(fast, default):
    out = ["| target | what | figure | goal | |", "|---|---|---|---|---|"]
    for t in target_rows(fast, default):
        out.append("| " + " | ".join(t) + " |")
    return "\n".join(out)


def memory_table(run):
    out = ["| config | layer bytes (packed path) | sequence bytes, 1 thread | 2 threads |",
           "|---|---|---|---|"]
    for c in run.configs():
        r1 = run.get("libgru", c, "reset-after", 1)
        r2 = run.get("libgru", c, "reset-after", 2)
        if r1:
            out.append(f"| {c} | {r1.get('layer_bytes', '—')} | {r1.get('sequence_bytes', '—')} | "
                       f"{r2.get('sequence_bytes', '—') if r2 else '—'} |")
    b = run.bench
    if b:
        out.append("")
        out.append(f"Peak RSS of gru-bench (every peer but PyTorch, all configurations): "
                   f"{b.get('peak_rss_kb')} KiB.")
    return "\n".join(out)


def denormal_table(run):
    out = ["| variant | threads | a: normal inputs | g: denormal inputs | g ÷ a |",
           "|---|---|---|---|---|"]
    for v in VARIANTS:
        for t in (1, 2):
            a, g = run.get("libgru", "a", v, t), run.get("libgru", "g", v, t)
            if a and g:
                out.append(f"| {v} | {t} | {fig(a)} | {fig(g)} | "
                           f"{g['us_per_step_median'] / a['us_per_step_median']:.2f}× |")
    return "\n".join(out)


def yardsticks(run):
    out = [f"OpenBLAS core `{run.core}`; sgemm 2048³ on OpenBLAS's threads: "
           f"{run.sgemm:.0f} GFLOP/s (the better of the run's start and end)."
           if run.sgemm else "sgemm not measured.", "",
           "| weights of | bytes | read GB/s, 1 thread | 2 threads |", "|---|---|---|---|"]
    for c in sorted({k[0] for k in run.reads}):
        r1, r2 = run.reads.get((c, 1)), run.reads.get((c, 2))
        out.append(f"| {c} | {(r1 or r2)['bytes']} | {r1['gbps'] if r1 else '—'} | "
                   f"{r2['gbps'] if r2 else '—'} |")
    if run.rounds:
        out += ["", "Sampled in each case's own rounds: median (min–max).", "",
                "| config | variant | threads | yardstick | median (min–max) |",
                "|---|---|---|---|---|"]
        for (impl, c, v, t), r in run.rounds.items():
            if impl == "floor":
                out.append(f"| {c} | {v} | {t} | floor, {r['meetings']} meeting(s) a step "
                           f"| {fig(r)} µs/step |")
                continue
            what, key, unit = (("sgemm 2048³", "gflops", "GFLOP/s") if impl == "sgemm"
                               else (f"read {r['bytes']} bytes", "gbps", "GB/s"))
            out.append(f"| {c} | {v} | {t} | {what} | {r[key]:.1f} ({r['min']:.1f}–"
                       f"{r['max']:.1f}) {unit} |")
    return "\n".join(out)


def spin_table(run):
    out = ["| config | variant | libgru, 2 threads | the same right after a 512³ sgemm on "
           "OpenBLAS | after ÷ alone |", "|---|---|---|---|---|"]
    for c in run.configs():
        for v in VARIANTS:
            a, b = run.get("libgru", c, v, 2), run.get("libgru-after-blas", c, v, 2)
            if a and b:
                out.append(f"| {c} | {v} | {fig(a)} | {fig(b)} | "
                           f"{b['us_per_step_median'] / a['us_per_step_median']:.2f}× |")
    return "\n".join(out)


def sweep_data(run, prefix, key, path):
    with open(path, "w") as f:
        f.write(f"# {key} libgru onednn torch (µs per step, medians; 2 threads, reset-after)\n")
        points = sorted({int(c[1:]) for c in run.configs() if c.startswith(prefix)})
        for p in points:
            c = f"{prefix}{p}"
            vals = []
            for impl in ("libgru", "onednn", "torch"):
                r = run.get(impl, c, "reset-after", 2)
                vals.append(f"{r['us_per_step_median']:.3f}" if r else "NaN")
            f.write(f"{p} " + " ".join(vals) + "\n")


def replace(doc, name, body, command):
    pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
    if not pattern.search(doc):
        raise SystemExit(f"json2md: no markers for {name} in the document")
    text = f"Generated by `{command}`.\n\n{body}\n"
    return pattern.sub(lambda m: m.group(1) + text + m.group(2), doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fast", required=True)
    ap.add_argument("--default")
    ap.add_argument("--sweep")
    ap.add_argument("--doc", required=True)
    ap.add_argument("--plot-data")
    ap.add_argument("--command", default="bench/run_performance.sh")
    a = ap.parse_args()
    fast = Run(load(a.fast))
    default = Run(load(a.default)) if a.default else None
    doc = open(a.doc).read()
    cmd = a.command
    doc = replace(doc, "yardsticks", yardsticks(fast), cmd)
    doc = replace(doc, "targets", targets_table(fast, default), cmd)
    doc = replace(doc, "two-threads", comparison_table(fast, 2), cmd)
    doc = replace(doc, "one-thread", comparison_table(fast, 1), cmd)
    doc = replace(doc, "bounds", bounds_table(fast), cmd)
    doc = replace(doc, "denormal", denormal_table(fast), cmd)
    doc = replace(doc, "memory", memory_table(fast), cmd)
    if default:
        sg = f"; sgemm 2048³ {default.sgemm:.0f} GFLOP/s" if default.sgemm else ""
        doc = replace(doc, "default-core",
                      f"OpenBLAS core `{default.core}` (OPENBLAS_CORETYPE unset){sg}.\n\n"
                      + comparison_table(default, 2) + "\n\n1 thread:\n\n"
                      + comparison_table(default, 1), cmd)
    doc = replace(doc, "spin", spin_table(fast), cmd)
    open(a.doc, "w").write(doc)
    if a.sweep and a.plot_data:
        sweep = Run(load(a.sweep))
        sweep_data(sweep, "h", "H", f"{a.plot_data}/sweep_h.dat")
        sweep_data(sweep, "b", "B", f"{a.plot_data}/sweep_b.dat")


if __name__ == "__main__":
    main()
