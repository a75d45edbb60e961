"""The testbed's entry point: every strategy x seed of a config, and the summary over seeds.

Layout of `out_dir`:
    config.json          the resolved config, versions and device
    base/                the base model (trained once per config, then loaded)
    <strategy>/seed_<s>/ one run each (`run_one`: config, metrics, checkpoint, DONE)
    metrics.json         {strategy: {metric: [seed, round, ...]}}
    summary.json         final held-out accuracy per strategy (mean, 95% t-interval over seeds),
                         the base model's, and the paired gaps boosting - filter-only and
                         boosting - boosting-uniform
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np

from experiments import checkpoint, rundir
from experiments.configs.testbed import TestbedConfig
from sim.lm import task
from sim.lm.base import Setup, base_config, device_problems, make_data, train_base
from sim.lm.model import ModelConfig, init_model
from sim.lm.round import evaluate
from sim.lm.run import init_run_state, initial_metrics, run_round
from sim.lm.strategy import make_strategy
from theory.stats import ci_summary

EXPERIMENT = "testbed"
SUMMARY_FILE = "summary.json"
CHECKPOINT_FILE = "checkpoint.msgpack"
PARAMS_FILE = "params.msgpack"
RUN_EXPERIMENT = "testbed-run"
# Paired differences reported with an interval (when both strategies ran).
GAPS = (("boosting", "filter-only"), ("boosting", "boosting-uniform"), ("filter-only", "base"))


def run_dir(out_dir, strategy: str, seed: int) -> Path:
    return Path(out_dir) / strategy / f"seed_{seed}"


def summarize(config: TestbedConfig, metrics: dict, base_accuracy: float) -> dict:
    """Final held-out accuracy per strategy and the paired gaps, each with a 95% interval."""
    final = {s: np.asarray(m["test_accuracy"])[:, -1] for s, m in metrics.items()}
    final["base"] = np.full(config.seeds, base_accuracy)
    summary = {
        "rounds": config.rounds,
        "seeds": config.seeds,
        "base_accuracy": base_accuracy,
        "base_accuracy_by_difficulty": None,
        "final_accuracy": {s: ci_summary(v) for s, v in final.items() if s != "base"},
        "final_accuracy_by_difficulty": {
            s: np.asarray(m["test_accuracy_by_difficulty"])[:, -1].mean(axis=0).tolist()
            for s, m in metrics.items()
        },
        "gaps": {},
    }
    for a, b in GAPS:
        if a in final and b in final:
            summary["gaps"][f"{a} - {b}"] = ci_summary(final[a] - final[b])
    return summary


def run_testbed(
    config: TestbedConfig, out_dir, *, resume: bool = False, progress: bool = True, base_dir=None
) -> dict:
    """Runs every strategy x seed of `config` into `out_dir` and writes the summaries.

    Args:
      config: a validated `TestbedConfig` (e.g. `experiments.configs.testbed.preset("default")`).
      out_dir: the run directory (created).
      resume: skip finished runs and continue interrupted ones from their checkpoints; the
        directory must hold a run of the same config. Otherwise every run starts afresh (the
        cached base model is reused when its config matches).
      progress: show a progress line (round, step, ETA) on stderr.
      base_dir: where the base model is cached (default `<out_dir>/base`).

    Returns:
      The summary (as written to summary.json).
    """
    out_dir = Path(out_dir)
    setup = make_setup(config, out_dir, progress=progress, base_dir=base_dir)

    runs = [(s, seed) for s in config.strategies for seed in range(config.seeds)]
    todo = [r for r in runs if not (resume and rundir.is_complete(run_dir(out_dir, *r)))]
    bar = rundir.Progress(
        len(todo) * config.rounds * config.steps_per_round, "testbed", enabled=progress
    )
    results: dict[str, list] = {s: [] for s in config.strategies}
    for strategy, seed in runs:
        results[strategy].append(
            run_one(
                setup, strategy, seed, run_dir(out_dir, strategy, seed), resume=resume, progress=bar
            )
        )
    bar.close()

    metrics = {
        s: {name: np.stack([r[name] for r in runs_s]) for name in runs_s[0]}
        for s, runs_s in results.items()
    }
    rundir.atomic_write_json(out_dir / rundir.METRICS_FILE, metrics)
    summary = summarize(config, metrics, float(setup.base_metrics["test_accuracy"]))
    summary["base_accuracy_by_difficulty"] = setup.base_metrics["test_accuracy_by_difficulty"]
    rundir.atomic_write_json(out_dir / SUMMARY_FILE, summary)
    return rundir.read_json(out_dir / SUMMARY_FILE)


def make_setup(config: TestbedConfig, out_dir, *, progress: bool = True, base_dir=None) -> Setup:
    """Builds the data and loads the cached base model from `base_dir` (default
    `<out_dir>/base`), training it (and caching it) when there is none for this config.
    Runs that differ only in round options can share one `base_dir`."""
    data = make_data(config)
    base_dir = Path(out_dir) / "base" if base_dir is None else Path(base_dir)
    model_config = ModelConfig.of_size(config.model_size, max_len=task.seq_len(config.max_digits))
    graphdef, template = init_model(model_config, key=jax.random.key(0))
    cached = rundir.is_complete(base_dir) and rundir.config_matches(
        base_dir, "testbed-base", base_config(config)
    )
    if cached:
        params, _ = checkpoint.load(base_dir / PARAMS_FILE, template)
    else:
        (base_dir / rundir.DONE_FILE).unlink(missing_ok=True)  # never pair new config, old params
        bar = rundir.Progress(config.base_steps, "base model", enabled=progress)
        rundir.write_config(base_dir, "testbed-base", base_config(config))
        graphdef, params, losses = train_base(
            config,
            data["seed"],
            on_step=lambda step, loss: bar.update(step, f"base model, loss {loss:.3f}"),
        )
        bar.close()
        checkpoint.save(base_dir / PARAMS_FILE, params)
        rundir.atomic_write_json(base_dir / rundir.METRICS_FILE, {"train_loss": losses})
        rundir.mark_complete(base_dir)
    test = device_problems(data["test"])
    base_metrics = evaluate(
        graphdef, params, test, n_difficulties=config.max_digits, chunk=config.sample_chunk
    )
    return Setup(
        config=config,
        model_config=model_config,
        graphdef=graphdef,
        base_params=params,
        train=device_problems(data["train"]),
        test=test,
        base_metrics={k: np.asarray(v) for k, v in base_metrics.items()},
    )


def _stack(history: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.stack([h[name] for h in history]) for name in history[0]}


def run_one(
    setup: Setup,
    strategy_name: str,
    seed: int,
    run_dir,
    *,
    resume: bool = False,
    progress: rundir.Progress | None = None,
    stop_after_round: int | None = None,
) -> dict[str, np.ndarray]:
    """Runs (or resumes, or reads back) one strategy and seed for `config.rounds` rounds.

    Args:
      setup: the config's data and base model.
      strategy_name: one of `sim.lm.strategy.STRATEGIES`.
      seed: PRNG seed of the rounds (the base model does not depend on it).
      run_dir: this run's directory.
      resume: continue from the directory's checkpoint (or return a finished run's metrics);
        otherwise start afresh, overwriting it.
      progress: a display advanced by one per training step.
      stop_after_round: stop (as if interrupted) once this many rounds are done.

    Returns:
      Per-round metrics, each [T + 1, ...] with index 0 the base model (fewer rows if stopped).
    """
    config = setup.config
    run_dir = Path(run_dir)
    strategy, params = make_strategy(config, strategy_name)
    extra = dict(strategy=strategy_name, seed=seed)
    state = init_run_state(setup, seed)
    history = [initial_metrics(setup)]
    same = rundir.config_matches(run_dir, RUN_EXPERIMENT, config) and _same_run(run_dir, extra)
    if resume and same and (run_dir / CHECKPOINT_FILE).exists():
        state, extras = checkpoint.load(run_dir / CHECKPOINT_FILE, state)
        history = [
            {k: np.asarray(v[r]) for k, v in extras["metrics"].items()}
            for r in range(int(state.round) + 1)
        ]
        if rundir.is_complete(run_dir):
            return _stack(history)
    else:
        (run_dir / rundir.DONE_FILE).unlink(missing_ok=True)
        (run_dir / CHECKPOINT_FILE).unlink(missing_ok=True)
        rundir.write_config(run_dir, RUN_EXPERIMENT, config, **extra)

    steps = config.steps_per_round
    done0 = progress.done if progress is not None else 0
    start = int(state.round)
    while int(state.round) < config.rounds:
        r = int(state.round)
        if stop_after_round is not None and r >= stop_after_round:
            return _stack(history)

        def on_step(i, r=r):
            if progress is not None:
                note = f"{strategy_name} seed {seed} round {r + 1}/{config.rounds} step {i}"
                progress.update(done0 + (r - start) * steps + i, note)

        state, metrics = run_round(setup, strategy, params, state, on_step=on_step)
        history.append(metrics)
        stacked = _stack(history)
        checkpoint.save(run_dir / CHECKPOINT_FILE, state, metrics=stacked)
        rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, stacked)
    rundir.mark_complete(run_dir)
    return _stack(history)


def _same_run(run_dir: Path, extra: dict) -> bool:
    saved = rundir.read_json(run_dir / rundir.CONFIG_FILE)
    return all(saved.get(k) == v for k, v in extra.items())
