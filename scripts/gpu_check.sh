#!/usr/bin/env bash
# The project's accelerator check: the testbed's weak-data table (fig13), both arms over beta
# (fig8), the scale study with the gpu model, the paper-sized testbed and the benchmarks, in
# one go, writing logs and REPORT.md to OUTDIR.
# Installs nothing.
#
#   PYTHONPATH=. bash scripts/gpu_check.sh OUTDIR           # on a machine with one GPU
#   PYTHONPATH=. bash scripts/gpu_check.sh --smoke OUTDIR   # the same path, tiny sizes, any CPU
#
# Each step has a time limit, so a slow step cannot eat the others' time; REPORT.md lists what
# finished. Sized for under 10 minutes on one H100-class GPU.
set -uo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
out=${1:?usage: gpu_check.sh [--smoke] OUTDIR}
mkdir -p "$out"
py=${PYTHON:-python3}
export PYTHONPATH=${PYTHONPATH:-.}
start=$(date +%s)

if [ $smoke = 1 ]; then
  bench_lm=(bench lm --small --size tiny); bench_sim=(bench sim --small)
  fig13=(--preset tiny); fig8=(--preset tiny); scale=(--preset tiny)
  paper=(--preset tiny --set rounds=1 strategies=filter-only); limit=600
else
  bench_lm=(bench lm); bench_sim=(bench sim)
  fig13=(--preset default); fig8=(--preset default); scale=(--preset large)
  paper=(--preset paper); limit=200
fi

budget=${GPU_CHECK_BUDGET:-$([ $smoke = 1 ] && echo 1800 || echo 560)}  # seconds, all steps
step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to OUTDIR/NAME.log
  local name=$1 secs=$2; shift 2
  local t0=$(date +%s) left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -lt 20 ]; then echo "$name skipped (time budget spent)" | tee -a "$out/steps.txt"; return; fi
  [ "$secs" -gt "$left" ] && secs=$left
  timeout "$secs" "$py" -m experiments "$@" >"$out/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc wall_s=$(( $(date +%s) - t0 ))" | tee -a "$out/steps.txt"
}

"$py" - >"$out/device.txt" 2>&1 <<'PY'
import jax
print("backend:", jax.default_backend())
print("devices:", [str(d) for d in jax.devices()])
print("device_kind:", jax.devices()[0].device_kind)
PY
# The testbed first: its numbers are the evidence (every kind of wrong label, unchecked and
# checked, in one population; both arms over beta; the unchecked gap against model size, steps
# and weight decay; the paper-sized testbed), then the benchmarks.
step fig13 "$limit" run fig13 "${fig13[@]}" --out "$out/fig13"
step fig8 "$limit" run fig8 "${fig8[@]}" --out "$out/fig8"
step scale "$limit" run scale "${scale[@]}" --out "$out/scale"
step testbed_paper "$limit" run testbed "${paper[@]}" --out "$out/testbed_paper"
step bench_lm "$limit" "${bench_lm[@]}"
step bench_sim "$limit" "${bench_sim[@]}"

"$py" - "$out" >"$out/REPORT.md" 2>>"$out/report.err" <<'PY'
import json, pathlib, sys

out = pathlib.Path(sys.argv[1])
print("# Accelerator check\n")
print("```\n" + (out / "device.txt").read_text().strip() + "\n```\n")
print("## Steps (exit code, wall seconds)\n")
print("```\n" + (out / "steps.txt").read_text().strip() + "\n```\n")
for name in ("bench_lm", "bench_sim"):
    log = out / f"{name}.log"
    if log.exists():
        tail = log.read_text().strip().splitlines()[-6:]
        print(f"## {name}\n\n```\n" + "\n".join(tail) + "\n```\n")


from experiments import registry, rundir
from experiments.reproduce import _table

# Each finished run's table, as `reproduce` writes it in REPORT.md.
for name, exp in (("fig13", "fig13"), ("fig8", "fig8"), ("scale", "scale"),
                  ("testbed_paper", "testbed")):
    run = out / name
    if not rundir.is_complete(run):
        continue
    timing = run / "timing.json"
    wall = json.loads(timing.read_text()).get("wall_s", float("nan")) if timing.exists() else float("nan")
    print(f"## {name} ({wall:.0f} s)\n")
    print("\n".join(_table(registry.get(exp).report(run))) + "\n")
PY
echo "gpu_check: done in $(( $(date +%s) - start )) s -> $out/REPORT.md"
