"""`fig12`: weak labels at the level of tokens: boosting vs filter-only with a factored learner,
and the break-even beta against the answer length for each kind of wrong label (C8)."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig12 import PRESETS, Fig12Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from sim.table.grid import broadcast_grid
from theory import tokens as closed

# The closed form's beta axis for the break-even lines.
THEORY_BETAS = np.linspace(0.0025, 1.0, 400)


def _tokens_of(task) -> tuple[np.ndarray, np.ndarray]:
    """Per-position base accuracies [P, L] and prompt weights [P], float64."""
    a0 = np.asarray(task.wrong[..., 0], np.float64) + np.asarray(task.right, np.float64)[:, None]
    return a0, np.asarray(task.prompt_weights, np.float64)


def _filter_only(a, *, gamma):
    """C8's fit on the accepted samples alone (`accepted_token_accuracy`); a prompt with nothing
    accepted keeps a."""
    s = closed.accepted_token_accuracy(a, gamma)
    return np.where(np.isnan(s), a, s)


def theory_accuracy(task, betas, gamma: float, spread: float, rounds: int, labels=True):
    """C8's closed form per prompt (factored learner, replace mixture, a label per rejected
    sample: `theory.tokens.replace_update`), mean whole-answer accuracy per round: [B, T + 1]
    (filter-only: [T + 1])."""
    a0, w = _tokens_of(task)
    fixed_right = np.asarray(task.fixed_wrong == 0, np.float64)
    rho = (1 - spread) * fixed_right + spread * np.asarray(task.fresh[..., 0], np.float64)
    if not labels:
        return closed.iterate(_filter_only, a0, rounds, gamma=gamma).prod(-1) @ w
    betas = np.asarray(betas, np.float64)[:, None]
    q = closed.label_token_accuracy(betas, rho[None])  # [B, P, L]
    a = closed.iterate(
        closed.replace_update, np.broadcast_to(a0, q.shape), rounds, q=q, gamma=gamma
    )
    return np.moveaxis(a.prod(-1) @ w, 0, 1)  # [T + 1, B, P, L] -> [B, T + 1]


def break_even(betas, gain) -> float:
    """The smallest beta with gain >= 0, interpolated linearly; betas[0] if the gain is never
    negative on the grid, NaN if it is never >= 0."""
    gain = np.asarray(gain, np.float64)
    ok = np.flatnonzero(gain >= 0)
    if ok.size == 0:
        return float("nan")
    i = int(ok[0])
    if i == 0:
        return float(betas[0])
    b0, b1, g0, g1 = betas[i - 1], betas[i], gain[i - 1], gain[i]
    return float(b0 + (b1 - b0) * (-g0) / (g1 - g0))


def _simulate(cfg, task, betas=None):
    """Mean accuracy [T + 1] (one beta) or [B, T + 1] (a sweep over betas), one seed."""
    params = cfg.make_params()
    strategy = cfg.make_strategy()
    if betas is None:
        return np.asarray(
            sim.simulate(task, params, keys=cfg.keys(), strategy=strategy, rounds=cfg.rounds)[
                "mean_accuracy"
            ][0],
            np.float64,
        )
    grid = broadcast_grid(params._replace(beta=jnp.asarray(betas, params.beta.dtype)))
    m = sim.sweep(task, grid, keys=cfg.keys(), strategy=strategy, rounds=cfg.rounds)
    return np.asarray(m["mean_accuracy"][:, 0], np.float64)


def run(cfg: Fig12Config, run_dir: Path, *, progress: bool = True) -> None:
    base = override(cfg.base, {"seeds": 1})
    gamma, spread, rounds = base.gamma, base.wrong_spread, base.rounds
    specs = cfg.curve_specs()
    betas = np.asarray(cfg.betas, np.float64)
    bar = Progress(len(specs) + len(cfg.kinds) * len(cfg.lengths), "fig12", enabled=progress)
    filter_only: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def arm(kind: str, length: int):
        c = override(base, {"wrong_labels": kind, "answer_length": length})
        return c, c.make_task()

    def filter_only_of(length: int):
        if length not in filter_only:
            c, task = arm(cfg.kinds[0], length)
            sim_fo = _simulate(override(c, {"allocation": "none"}), task)
            filter_only[length] = (
                sim_fo,
                theory_accuracy(task, None, gamma, spread, rounds, labels=False),
            )
        return filter_only[length]

    curves = []
    for beta, kind, length in specs:
        c, task = arm(kind, length)
        fo_sim, fo_th = filter_only_of(length)
        curves.append(
            {
                "beta": beta,
                "kind": kind,
                "length": length,
                "boosting": _simulate(override(c, {"beta": beta}), task),
                "filter_only": fo_sim,
                "boosting_theory": theory_accuracy(task, [beta], gamma, spread, rounds)[0],
                "filter_only_theory": fo_th,
            }
        )
        bar.advance(f"beta {beta} {kind} L={length}")
    lines = {}
    for kind in cfg.kinds:
        row = {"lengths": list(cfg.lengths), "theory": [], "simulated": []}
        for length in cfg.lengths:
            c, task = arm(kind, length)
            fo_sim, fo_th = filter_only_of(length)
            boost_sim = _simulate(c, task, betas)[:, -1]
            boost_th = theory_accuracy(task, THEORY_BETAS, gamma, spread, rounds)[:, -1]
            row["simulated"].append(break_even(betas, boost_sim - fo_sim[-1]))
            row["theory"].append(break_even(THEORY_BETAS, boost_th - fo_th[-1]))
            bar.advance(f"{kind} L={length}")
        lines[kind] = row
        bar.log(f"fig12: {kind}: break-even beta by L {np.round(row['simulated'], 3).tolist()}")
    bar.close()
    out = {
        "curves": curves,
        "break_even": lines,
        "betas": betas,
        "measured": cfg.measured_points(),
        "gamma": gamma,
        "rounds": rounds,
    }
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig12

    return fig12.draw(*rundir.load(run_dir), run_dir / "fig12")


def report(run_dir: Path) -> list[dict]:
    """Per kind and L: the break-even beta, simulated and closed form."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    for kind, row in m["break_even"].items():
        for length, s, t in zip(row["lengths"], row["simulated"], row["theory"], strict=True):
            fmt = lambda v: "never" if v is None else f"{v:.3f}"  # noqa: E731
            rows.append(
                {
                    "kind": kind,
                    "L": str(length),
                    "break-even beta: simulated / closed form": f"{fmt(s)} / {fmt(t)}",
                }
            )
    return rows


EXPERIMENT = Experiment(
    name="fig12",
    summary="weak labels at the level of tokens: boosting vs filter-only, break-even beta (§9)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=(),
    report=report,
)
