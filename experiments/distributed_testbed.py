"""The testbed over several processes with `jax.distributed` (docs/distributed.md).

    python -m experiments.distributed_testbed --process-id 0 --num-processes 2 \
        --coordinator localhost:12345 --preset tiny --out runs/testbed-2p
    python -m experiments.distributed_testbed --process-id 1 --num-processes 2 \
        --coordinator localhost:12345 --preset tiny --out runs/testbed-2p

Every process runs the same population; its member axis is sharded over all processes' devices
(`sim.lm.shard`), so each process computes its share of the members, and the metrics are
gathered. Process 0 alone touches the run directory: it runs the command line's driver (lock,
config.json, the base model, checkpoints, metrics.json, summary.json, figures, timing.json,
DONE) and sends the others what they read (the base model, a checkpoint to resume from), so the
directory need not be shared. The same command again resumes an interrupted run, on any number
of processes. `--stop-after-round R` stops after R rounds (the checkpoint kept, no DONE).
`--num-processes 1` (no coordinator) runs it in one process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m experiments.distributed_testbed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--process-id", type=int, default=0)
    ap.add_argument("--num-processes", type=int, default=1)
    ap.add_argument("--coordinator", default=None, help="HOST:PORT of process 0's coordinator")
    ap.add_argument("--preset", default="default", help="tiny | default | large")
    ap.add_argument("--set", nargs="*", action="extend", default=[], metavar="KEY=VALUE")
    ap.add_argument("--out", required=True, help="the run directory (process 0 writes it)")
    ap.add_argument("--stop-after-round", type=int, default=None)
    args = ap.parse_args(argv)
    if args.num_processes > 1 and not args.coordinator:
        ap.error("--coordinator is required with --num-processes > 1")
    if not 0 <= args.process_id < args.num_processes:
        ap.error(f"--process-id must lie in [0, {args.num_processes - 1}]; got {args.process_id}")

    import jax

    if args.num_processes > 1:  # before anything starts JAX's backend
        # Cross-process collectives on the CPU go through gloo (TCP), as for the sweeps.
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=args.coordinator,
            num_processes=args.num_processes,
            process_id=args.process_id,
        )
    import numpy as np
    from jax.experimental import multihost_utils

    from experiments import cli, registry, rundir
    from experiments.driver import execute, resolved
    from experiments.testbed_runs import run_testbed

    experiment = registry.get("testbed")
    config = cli._config(experiment, args.preset, args.set, None)
    out = Path(args.out)
    print(
        f"process {jax.process_index()}/{jax.process_count()}: {len(jax.devices())} global "
        f"devices ({len(jax.local_devices())} local)",
        flush=True,
    )
    start = time.perf_counter()
    # Process 0 decides whether there is anything to run (a complete run is left as it is).
    complete = jax.process_index() == 0 and (
        rundir.is_complete(out)
        and rundir.config_matches(out, experiment.name, resolved(config))
        and not rundir.mismatches(out)
    )
    if multihost_utils.broadcast_one_to_all(np.int32(complete)):
        print(f"process {jax.process_index()}: {out} holds this run, complete", flush=True)
    elif args.stop_after_round is not None:  # part of a run: no driver, no DONE
        if jax.process_index() == 0:
            rundir.check_usable(out)
            out.mkdir(parents=True, exist_ok=True)
            rundir.write_config(
                out,
                experiment.name,
                resolved(config),
                format=experiment.format,
                preset=args.preset,
            )
        run_testbed(config, out, progress=False, stop_after_round=args.stop_after_round)
    elif jax.process_index() == 0:
        execute(experiment, config, out, progress=False, preset=args.preset)
    else:
        run_testbed(config, out, progress=False)
    print(f"process {jax.process_index()}: {time.perf_counter() - start:.1f}s", flush=True)
    if args.num_processes > 1:
        jax.distributed.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
