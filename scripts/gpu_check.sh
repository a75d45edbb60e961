#!/usr/bin/env bash
# The project's accelerator check: benchmarks, the default testbed (each kind of wrong label),
# the paper-sized testbed and the gpu preset, in one go, writing logs and REPORT.md to OUTDIR.
# Installs nothing.
#
#   PYTHONPATH=. bash scripts/gpu_check.sh OUTDIR           # on a machine with one GPU
#   PYTHONPATH=. bash scripts/gpu_check.sh --smoke OUTDIR   # the same path, tiny sizes, any CPU
#
# Each step has a time limit, so a slow step cannot eat the others' time; REPORT.md lists what
# finished. Sized for under 8 minutes on one H100-class GPU.
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
  testbed=(--preset tiny); gpu=(--preset tiny --set rounds=1 strategies=boosting)
  paper=(--preset tiny --set rounds=1 strategies=filter-only)
  kinds=(random); limit=600
else
  bench_lm=(bench lm); bench_sim=(bench sim)
  testbed=(--preset default); gpu=(--preset gpu --seeds 2 --set strategies=filter-only,boosting)
  paper=(--preset paper)
  kinds=(random near shuffled); limit=240
fi

budget=${GPU_CHECK_BUDGET:-$([ $smoke = 1 ] && echo 1800 || echo 470)}  # seconds, all steps
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
# The testbed first: its numbers are the evidence; then the benchmarks and the large preset.
for kind in "${kinds[@]}"; do
  step "testbed_$kind" "$limit" run testbed "${testbed[@]}" --set wrong_labels=$kind \
    --out "$out/testbed_$kind"
done
step testbed_paper "$limit" run testbed "${paper[@]}" --out "$out/testbed_paper"
step bench_lm "$limit" "${bench_lm[@]}"
step testbed_gpu "$limit" run testbed "${gpu[@]}" --out "$out/testbed_gpu"
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


def fmt(ci):
    half = ci.get("half_width")
    return f"{ci['mean']:.3f}" + (f" ± {half:.3f}" if half is not None else "")


for run in sorted(out.glob("testbed_*/summary.json")):
    s = json.loads(run.read_text())
    wall = json.loads((run.parent / "timing.json").read_text())["wall_s"] if (run.parent / "timing.json").exists() else float("nan")
    print(f"## {run.parent.name} (wrong labels: {s.get('wrong_labels')}, {s['seeds']} seeds, {wall:.0f} s)\n")
    digits = len(s["base_accuracy_by_difficulty"])
    head = "| arm | overall | " + " | ".join(f"{d + 1} digits" for d in range(digits)) + " |"
    print(head + "\n|" + "---|" * (digits + 2))
    by = " | ".join(f"{x:.3f}" for x in s["base_accuracy_by_difficulty"])
    print(f"| base | {s['base_accuracy']:.3f} | {by} |")
    for arm, ci in s["final_accuracy"].items():
        by = " | ".join(fmt(c) for c in s["final_accuracy_by_difficulty"][arm])
        print(f"| {arm} | {fmt(ci)} | {by} |")
    print()
    for gap, ci in s["gaps"].items():
        print(f"- {gap}: {fmt(ci)}")
    if "oracle_share" in s:
        o = s["oracle_share"]
        print(f"- oracle share (boosting − filter-only)/(oracle − filter-only): per seed {fmt(o)}, of means {o['of_means']:.3f}")
    print()
PY
echo "gpu_check: done in $(( $(date +%s) - start )) s -> $out/REPORT.md"
