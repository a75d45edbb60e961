"""`python -m experiments bench sim`: the jitted, sharded expected-mode sweep against NumPy.

Also times the same sweep with difficulty-dependent quality (beta_hard, gamma_hard) and in
sampled mode, and prints both as ratios to the constant-quality expected-mode time.

Workload: a 16 x 16 grid of (beta, gamma) = 256 configurations x 50 rounds x 4096 prompts x 64
responses of the boosting strategy in its analysable form (gamma-noisy filter, a label per
rejected sample, replace mixture; C3). The NumPy reference (`sim.table.reference`) runs the same
dynamics one configuration at a time, vectorised over prompts, in float64, recording mean
accuracy, mean error and labels spent; the two must agree. The headline speed-up compares the
JAX sweep recording those same metrics; the sweep recording all twelve metrics, and sampled mode
(one seed per configuration, all metrics), are reported too. On the CPU the configurations are
sharded over one host device per core (set before JAX starts). A last line times the token task
(`task=tokens`, L = 5, A = 10, factored learner) on the same grid and prompts, its throughput
counted in [P, L, A] cells beside the whole-answer task's [P, V] cells.
"""

from __future__ import annotations

import sys
import time

from experiments.devices import use_host_devices


def _best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(small: bool = False) -> int:
    use_host_devices("auto")  # a no-op when the CLI has set it already
    import jax
    import numpy as np

    import sim
    from sim.table.grid import grid_params
    from sim.table.reference import reference_rollout

    n_prompts, n_resp, rounds, side = (1024, 32, 20, 4) if small else (4096, 64, 50, 16)
    betas = np.linspace(0.05, 0.95, side)
    gammas = np.linspace(0.0, 0.9, side)
    n_cfg = side * side
    budget = float(n_prompts * 8)
    task = sim.make_task(jax.random.key(0), n_prompts=n_prompts, n_responses=n_resp)
    base = sim.make_params(beta=0.3, filter_tpr=1.0, filter_fpr=0.2, label_budget=budget)
    params, _ = grid_params(base, beta=betas, filter_fpr=gammas)
    params = params._replace(
        theta=jax.numpy.asarray(sim.types.default_theta(params.beta), dtype=params.beta.dtype)
    )
    # The difficulty-dependent workload: the labeler at half its quality and the filter at twice
    # its false-positive rate on prompts the base model never solves (framework §8).
    hard = params._replace(
        beta_hard=params.beta * 0.5, gamma_hard=jax.numpy.minimum(params.filter_fpr * 2, 0.95)
    )
    keys = jax.random.split(jax.random.key(0), 1)
    elems = n_cfg * rounds * n_prompts * n_resp
    print(
        f"workload: {n_cfg} configs x {rounds} rounds x {n_prompts} prompts x {n_resp} "
        f"responses; devices: {len(jax.devices())} x {jax.devices()[0].device_kind}"
    )

    results = {}
    same = ("mean_accuracy", "mean_error", "labels_spent")  # what the reference records
    for mode, record, grid in (
        ("expected", same, params),
        ("expected_hard", same, hard),
        ("expected_all_metrics", None, params),
        ("sampled_all_metrics", None, params),
    ):
        strategy = sim.make_strategy(
            allocation="focused", mixture="replace", mode=mode.split("_")[0], record=record
        )

        def run(strategy=strategy, grid=grid):
            out = sim.sweep(task, grid, keys=keys, strategy=strategy, rounds=rounds)
            return jax.block_until_ready(out)

        start = time.perf_counter()
        results[mode] = run()
        first = time.perf_counter() - start
        secs = _best_of(run, 1 if mode.startswith("sampled") else 2)
        print(
            f"jax {mode}: {secs:.2f}s (first call with compile {first:.2f}s), "
            f"{elems / secs:.3g} cfg-round-elems/s"
        )
        results[mode + "_s"] = secs

    correct = np.asarray(task.correct)
    probs0 = np.asarray(task.base_probs, dtype=np.float64)
    weights = np.asarray(task.prompt_weights, dtype=np.float64)
    beta_np, fpr_np = np.asarray(params.beta, np.float64), np.asarray(params.filter_fpr, np.float64)
    ref = np.zeros((n_cfg, rounds + 1))
    start = time.perf_counter()
    for i in range(n_cfg):
        ref[i] = reference_rollout(
            correct,
            probs0,
            weights,
            rounds=rounds,
            c=1.0,
            d=fpr_np[i],
            beta=beta_np[i],
            budget=budget,
            allocation="rejected",
            mixture="replace",
        )["mean_accuracy"]
        if (i + 1) % max(1, n_cfg // 8) == 0:
            print(f"\rnumpy reference: config {i + 1}/{n_cfg}", end="", file=sys.stderr)
    numpy_s = time.perf_counter() - start
    print(file=sys.stderr)
    got = np.asarray(results["expected"]["mean_accuracy"][:, 0], dtype=np.float64)
    err = float(np.max(np.abs(got - ref)))
    print(f"numpy reference: {numpy_s:.2f}s, {elems / numpy_s:.3g} cfg-round-elems/s")
    print(f"agreement: max |jax - numpy| mean accuracy = {err:.2e} (float32 vs float64)")
    if err > 1e-4:
        print("FAIL: the JAX sweep and the NumPy reference disagree", file=sys.stderr)
        return 1
    speedup = numpy_s / results["expected_s"]
    print(
        f"all metrics: speedup_vs_numpy={numpy_s / results['expected_all_metrics_s']:.2f} "
        f"cfg_round_elems_per_s={elems / results['expected_all_metrics_s']:.4g}"
    )
    print(f"sampled_cfg_round_elems_per_s={elems / results['sampled_all_metrics_s']:.4g}")
    hard_ratio = results["expected_hard_s"] / results["expected_s"]
    sampled_ratio = results["sampled_all_metrics_s"] / results["expected_all_metrics_s"]
    print(f"difficulty-dependent vs constant quality: hard_vs_constant={hard_ratio:.2f}x the time")
    print(f"sampled vs expected mode (all metrics): sampled_vs_expected={sampled_ratio:.2f}x")
    throughput = elems / results["expected_s"]
    _token_line(task_grid=params, n_prompts=n_prompts, rounds=rounds, keys=keys, whole=throughput)
    print(f"speedup_vs_numpy={speedup:.2f} cfg_round_elems_per_s={throughput:.4g}")
    return 0


def _token_line(*, task_grid, n_prompts: int, rounds: int, keys, whole: float) -> None:
    """The token task (L = 5, A = 10, factored learner, same grid, expected mode), its
    throughput in configuration-round-cells per second (cells = P x L x A) beside the
    whole-answer task's (cells = P x V)."""
    import jax

    import sim
    from sim.table import token_task, tokens

    length, alphabet = 5, 10
    task = token_task.make_token_task(
        jax.random.key(0), n_prompts=n_prompts, answer_length=length, alphabet=alphabet
    )
    strategy = tokens.make_token_strategy(
        learner="factored",
        allocation="focused",
        mixture="replace",
        record=("mean_accuracy", "mean_error", "labels_spent", "token_accuracy"),
    )

    def run():
        out = sim.sweep(task, task_grid, keys=keys, strategy=strategy, rounds=rounds)
        return jax.block_until_ready(out)

    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    secs = _best_of(run, 2)
    cells = task_grid.beta.shape[0] * rounds * n_prompts * length * alphabet
    print(
        f"jax tokens (L = {length}, A = {alphabet}, factored, expected): {secs:.2f}s (first call "
        f"with compile {first:.2f}s); tokens_cfg_round_elems_per_s={cells / secs:.4g} beside "
        f"whole-answer cfg_round_elems_per_s={whole:.4g}"
    )


if __name__ == "__main__":
    raise SystemExit(main(small="--small" in sys.argv))
