"""A sweep over several processes with `jax.distributed` (docs/distributed.md).

    python -m experiments.distributed_sweep --process-id 0 --num-processes 2 \
        --coordinator localhost:12345 --out runs/distributed.npz
    python -m experiments.distributed_sweep --process-id 1 --num-processes 2 \
        --coordinator localhost:12345 --out runs/distributed.npz

Each process contributes its CPU device(s); `sim.sweep` shards the grid over all processes'
devices and gathers the metrics on every host; process 0 writes them (np.savez). With
`--num-processes 1` (no coordinator needed) the same sweep runs in one process, for comparison.
"""

from __future__ import annotations

import argparse
import time

# The fixed workload: boosting (gamma-noisy filter, labels on the hard set, global mixture).
N_PROMPTS, N_RESPONSES, SEEDS, ROUNDS = 64, 8, 4, 10
BETAS, GAMMAS = (0.1, 0.3, 0.5), (0.0, 0.4)  # 6 (beta, gamma) configurations


def run_sweep() -> dict:
    """The fixed sweep over all global devices, in both modes (the seeds matter in sampled mode).

    Returns:
      "{mode}_{metric}": NumPy arrays [6, SEEDS, ROUNDS + 1].
    """
    import jax
    import numpy as np

    import sim

    task = sim.make_task(jax.random.key(0), n_prompts=N_PROMPTS, n_responses=N_RESPONSES)
    base = sim.make_params(filter_tpr=1.0, label_budget=float(N_PROMPTS * 2))
    params, _ = sim.grid_params(base, beta=BETAS, filter_fpr=GAMMAS)
    params = params._replace(theta=jax.numpy.asarray(sim.types.default_theta(params.beta)))
    keys = jax.random.split(jax.random.key(1), SEEDS)
    metrics = {}
    for mode in sim.MODES:
        strategy = sim.make_strategy(allocation="focused", mixture="global", mode=mode)
        out = sim.sweep(task, params, keys=keys, strategy=strategy, rounds=ROUNDS)
        metrics.update({f"{mode}_{k}": np.asarray(v) for k, v in out.items()})
    return metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m experiments.distributed_sweep",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--process-id", type=int, default=0)
    ap.add_argument("--num-processes", type=int, default=1)
    ap.add_argument("--coordinator", default=None, help="HOST:PORT of process 0's coordinator")
    ap.add_argument("--out", required=True, help="the .npz process 0 writes")
    args = ap.parse_args(argv)
    if args.num_processes > 1 and not args.coordinator:
        ap.error("--coordinator is required with --num-processes > 1")

    import jax
    import numpy as np

    jax.config.update("jax_platforms", "cpu")
    if args.num_processes > 1:
        # Cross-process collectives on the CPU go through gloo (TCP); the default in recent JAX,
        # set explicitly so older versions do not fall back to none.
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=args.coordinator,
            num_processes=args.num_processes,
            process_id=args.process_id,
        )
    start = time.perf_counter()
    metrics = run_sweep()
    secs = time.perf_counter() - start
    print(
        f"process {jax.process_index()}/{jax.process_count()}: {len(jax.devices())} global "
        f"devices ({len(jax.local_devices())} local); sweep {secs:.2f}s",
        flush=True,
    )
    if jax.process_index() == 0:
        np.savez(args.out, **metrics)
    if args.num_processes > 1:
        jax.distributed.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
