"""The testbed's runner: every arm x seed of a config trained as one population, and its summary.

Layout of `out_dir`:
    base/                the base model (trained once per config, then loaded)
    problems.json        {"train", "test", "seed"}: the prompts exactly as the model reads them
    population.msgpack   the population's state and per-round metrics, after every round
    metrics.json         {arm: {metric: [seed, round, ...]}} (index 0 of a round axis: the base)
    summary.json         final held-out accuracy per arm (mean, 95% t-interval over seeds),
                         overall and per difficulty, the base model's, the paired gaps
                         and the oracle share
An interrupted run continues from the last finished round; the result equals an uninterrupted
run (on the CPU bit for bit).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import checkpoint, processes, rundir, tracking
from experiments.configs.testbed import TestbedConfig, replace
from experiments.progress import Progress
from experiments.testbed_summary import GAPS, oracle_share, summarize  # noqa: F401
from sim.lm import shard
from sim.lm.base import (
    Setup,
    base_config,
    lm_task,
    make_data,
    model_config,
    test_problems,
    train_base,
    train_problems,
)
from sim.lm.model import init_model
from sim.lm.round import evaluate
from sim.lm.run import init_run_state, initial_metrics, run_round
from sim.lm.strategy import member, static_strategy

SUMMARY_FILE = "summary.json"
PROBLEMS_FILE = "problems.json"
CHECKPOINT_FILE = "population.msgpack"
PARAMS_FILE = "params.msgpack"


@dataclasses.dataclass(frozen=True)
class Member:
    """One member of a population: an arm (a strategy, maybe with other beta / alpha) and seed."""

    arm: str
    strategy: str
    seed: int
    # config fields the member overrides: beta, alpha, and the round options a member may
    # choose for itself (`MEMBER_FIELDS`)
    changes: tuple[tuple[str, object], ...] = ()


# Config fields a member of a population may set for itself (they are traced per member); the
# rest (shapes, the model, the data) are the population's.
MEMBER_FIELDS = (
    "beta",
    "alpha",
    "wrong_labels",
    "wrong_spread",
    "filter_labels",
    "labeler",
    "gamma",
    "beta_hard",
    "gamma_hard",
    "label_budget",
)


def members_of(config: TestbedConfig) -> list[Member]:
    return [Member(s, s, seed) for s in config.strategies for seed in range(config.seeds)]


def _stack(trees):
    return jax.tree.map(lambda *x: jnp.stack(x), *trees)


def population_hash(config: TestbedConfig, members: list[Member]) -> str:
    """What a population checkpoint is bound to: its config and members (`rundir.config_hash`)."""
    tag = [dataclasses.asdict(m) for m in members]
    return rundir.config_hash("testbed-population", {"config": config, "members": tag})


def make_setup(
    config: TestbedConfig, out_dir, *, progress: bool = True, base_dir=None
) -> tuple[Setup, dict]:
    """Builds the data and loads the cached base model from `base_dir` (default
    `<out_dir>/base`), training it (and caching it) when there is none for this config.
    Runs that differ only in round options can share one `base_dir`."""
    sets = make_data(config)
    base_dir = Path(out_dir) / "base" if base_dir is None else Path(base_dir)
    task = lm_task(config)
    graphdef, template = init_model(model_config(config), key=jax.random.key(0))
    bound = rundir.config_hash("testbed-base", base_config(config))
    params = None
    if jax.process_index() == 0 and (
        rundir.is_complete(base_dir)
        and rundir.config_matches(base_dir, "testbed-base", base_config(config))
    ):
        restored = checkpoint.restore(base_dir / PARAMS_FILE, template, config_sha256=bound)
        params = None if restored is None else restored[0]
    if jax.process_index() > 0:  # the base model process 0 trained or loaded, as it wrote it
        with processes.read_on_all(base_dir / PARAMS_FILE) as copy:
            params = checkpoint.restore(copy, template, config_sha256=bound)[0]
    elif params is None:
        (base_dir / rundir.DONE_FILE).unlink(missing_ok=True)  # never pair new config, old params
        bar = Progress(config.base_steps, "base model", enabled=progress)
        rundir.write_config(base_dir, "testbed-base", base_config(config))
        graphdef, params, losses = train_base(
            config,
            sets["seed"],
            on_step=lambda step, loss: bar.update(step, f"base model, loss {loss:.3f}"),
        )
        bar.close()
        checkpoint.save(base_dir / PARAMS_FILE, params, config_sha256=bound)
        rundir.atomic_write_json(base_dir / rundir.METRICS_FILE, {"train_loss": losses})
        rundir.mark_complete(base_dir)
    if jax.process_count() > 1 and jax.process_index() == 0:
        with processes.read_on_all(base_dir / PARAMS_FILE):
            pass  # sent to the other processes
    test = test_problems(config, sets["test"])
    base_metrics = evaluate(
        graphdef,
        params,
        test,
        task=task,
        n_difficulties=task.difficulties(config),
        chunk=config.sample_chunk,
        key=jax.random.key(config.base_seed),
        temperature=config.temperature,
    )
    setup = Setup(
        config=config,
        model_config=model_config(config),
        graphdef=graphdef,
        base_params=params,
        train=train_problems(config, sets["train"]),
        test=test,
        base_metrics={k: np.asarray(v) for k, v in base_metrics.items()},
    )
    return setup, sets


def run_population(
    config: TestbedConfig,
    members: list[Member],
    out_dir,
    *,
    progress: bool = True,
    base_dir=None,
    stop_after_round: int | None = None,
    devices: int | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Trains `members` as one population for `config.rounds` rounds, resuming if it can.

    The member axis is sharded over `devices` devices (default: all of `jax.devices()`, every
    process's under `jax.distributed`; `sim.lm.shard`), the population padded to a multiple of
    their number and the padding dropped from every result and checkpoint (so a checkpoint
    resumes on any number of devices). With one device the run is exactly the unsharded one.
    Across processes every process calls this with the same arguments and returns every
    member's metrics; process 0 alone reads and writes files (`problems.json`, the base model,
    the checkpoint) and sends what it read to the others.

    Returns:
      {arm: {metric: [seeds, T + 1, ...]}} (fewer rounds if stopped by `stop_after_round`).
    """
    out_dir = Path(out_dir)
    for m in members:
        for name, _ in m.changes:
            if name not in MEMBER_FIELDS:
                raise ValueError(f"a member may not set {name!r}; it may set {list(MEMBER_FIELDS)}")
    mesh = shard.member_mesh(devices)
    writer = jax.process_index() == 0
    setup, sets = make_setup(config, out_dir, progress=progress and writer, base_dir=base_dir)
    if writer:
        rundir.atomic_write_json(
            out_dir / PROBLEMS_FILE,
            {s: lm_task(config).prompt_strings(sets[s]) for s in ("train", "test", "seed")},
        )
    n = len(members)
    configs = [replace(config, **dict(m.changes)) for m in members]
    per = [member(c, m.strategy) for c, m in zip(configs, members, strict=True)]
    params, roles = _stack([p for p, _ in per]), _stack([r for _, r in per])
    strategy = static_strategy(config)
    state = init_run_state(setup, [m.seed for m in members])
    first = {k: np.stack([v] * n) for k, v in initial_metrics(setup).items()}
    history = [first]
    path = out_dir / CHECKPOINT_FILE
    bound = population_hash(config, members)
    restored = _restore(path, state, bound, first)
    if restored is not None:  # verified: this config and members, unchanged since written
        state, history = restored
    r = int(np.asarray(state.round)[0])
    if mesh.size > 1:  # members over the mesh, padded; what they share, on every device
        size = shard.padded_size(n, mesh.size)
        params, roles, state = (
            shard.place(shard.pad(t, size), mesh) for t in (params, roles, state)
        )
        setup = dataclasses.replace(
            setup,
            base_params=shard.replicate(setup.base_params, mesh),
            train=shard.replicate(setup.train, mesh),
            test=shard.replicate(setup.test, mesh),
        )
    arms = [m.arm for m in members]
    log = tracking.log_round if writer else (lambda *_: None)
    if len(history) == 1:  # a fresh start: round 0 is the base model
        log(0, tracking.round_scalars(arms, first, config.seeds))
    steps = config.steps_per_round
    bar = Progress(config.rounds * steps, f"testbed ({n} members)", enabled=progress and writer)
    while r < config.rounds:
        if stop_after_round is not None and r >= stop_after_round:
            break

        def on_step(i, r=r):
            bar.update(r * steps + i, f"round {r + 1}/{config.rounds} step {i}/{steps}")

        state, metrics = run_round(
            setup, strategy, params, roles, state, on_step=on_step, mesh=_mesh_or_none(mesh)
        )
        metrics = {k: v[:n] for k, v in metrics.items()}  # padding dropped
        if not np.all(np.isfinite(metrics["train_loss"]) | np.isnan(metrics["train_loss"])):
            raise FloatingPointError(f"testbed: training loss is not finite in round {r + 1}")
        r += 1
        history.append(metrics)
        log(r, tracking.round_scalars(arms, metrics, config.seeds))
        stacked = {k: np.stack([h[k] for h in history], axis=1) for k in history[0]}
        saved = state if mesh.size == 1 else jax.tree.map(lambda x: shard.to_host(x)[:n], state)
        if writer:
            checkpoint.save(path, saved, config_sha256=bound, metrics=stacked)
    bar.close()
    stacked = {k: np.stack([h[k] for h in history], axis=1) for k in history[0]}
    arms = list(dict.fromkeys(m.arm for m in members))
    return {
        arm: {k: v[[i for i, m in enumerate(members) if m.arm == arm]] for k, v in stacked.items()}
        for arm in arms
    }


def _mesh_or_none(mesh):
    return None if mesh.size == 1 else mesh


def _restore(path: Path, state, bound: str, first: dict):
    """(state, per-round metrics) of the population checkpoint at `path` when it holds this
    population (`bound`), else None. Across processes process 0 reads it and sends it on."""
    with processes.read_on_all(path) as copy:
        restored = None if copy is None else checkpoint.restore(copy, state, config_sha256=bound)
    if restored is None:
        return None
    state, stored = restored[0], restored[1]["metrics"]
    history = [  # in `first`'s key order: metrics.json as an uninterrupted run writes it
        {k: np.asarray(stored[k])[:, r] for k in first}
        for r in range(int(np.asarray(state.round)[0]) + 1)
    ]
    return state, history


def run_testbed(
    config: TestbedConfig,
    out_dir,
    *,
    progress: bool = True,
    base_dir=None,
    devices: int | None = None,
    stop_after_round: int | None = None,
) -> dict:
    """Runs every strategy x seed of `config` as one population and writes metrics.json and
    summary.json into `out_dir` (the driver writes config.json and DONE). `devices`: how many
    of `jax.devices()` the population is sharded over (default all; `run_population`). Across
    processes (`jax.distributed`) every process calls it alike and only process 0 writes.

    Returns:
      The summary (as written to summary.json); None when stopped by `stop_after_round`.
    """
    out_dir = Path(out_dir)
    metrics = run_population(
        config,
        members_of(config),
        out_dir,
        progress=progress,
        base_dir=base_dir,
        devices=devices,
        stop_after_round=stop_after_round,
    )
    if stop_after_round is not None and stop_after_round < config.rounds:
        return None
    base = {k: v[0, 0] for k, v in next(iter(metrics.values())).items() if k.startswith("test_")}
    summary = summarize(config, metrics, base)
    if jax.process_index() > 0:  # process 0 writes the files
        return summary
    rundir.atomic_write_json(out_dir / rundir.METRICS_FILE, metrics)
    rundir.atomic_write_json(out_dir / SUMMARY_FILE, summary)
    return rundir.read_json(out_dir / SUMMARY_FILE)
