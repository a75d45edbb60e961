"""Figures 2-5 and 9: each `tiny` preset runs end to end through the command line and draws its
figure, and its numbers agree with theory computed here, independently of the experiment code.

Theory outputs go through `np.asarray` before they meet NumPy arrays of other ranks (the
conftest makes JAX's rank and dtype promotion strict). Sampled-mode checks use z = 5 where they
are statistical.
"""

import json
import math

import numpy as np
import pytest

from experiments import registry
from experiments.cli import main
from theory import closed_forms as cf

Z = 5.0


def _run(name, tmp_path):
    out = tmp_path / name
    assert main(["run", name, "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    assert (out / f"{name}.png").stat().st_size > 10_000
    assert (out / f"{name}.pdf").exists() and (out / "DONE").exists()
    report = registry.get(name).report(out)
    assert report and all(row.keys() == report[0].keys() for row in report)
    return json.loads((out / "metrics.json").read_text())


def _nan(x):
    return np.asarray([[np.nan if v is None else v for v in row] for row in x], dtype=np.float64)


def _errors(task):
    """Per-prompt base error e0(x) and D, float64."""
    p0 = np.asarray(task.base_probs, dtype=np.float64)
    return np.where(np.asarray(task.correct), 0.0, p0).sum(1), np.asarray(
        task.prompt_weights, dtype=np.float64
    )


def test_fig2_rounds_to_eps_match_c3_and_c7(tmp_path):
    m = _run("fig2", tmp_path)
    cfg = registry.get("fig2").config("tiny")
    e0, w = _errors(cfg.base.make_task())
    b, g = np.meshgrid(np.asarray(cfg.betas), np.asarray(cfg.gammas), indexing="ij")
    for key, e_start in (("rounds_every_prompt", e0.max()), ("rounds_mean", w @ e0)):
        measured = _nan(m["expected"][key])
        exact = np.asarray(cf.c3_rounds_to_epsilon_exact(e_start, cfg.eps, g, b))
        bound = np.asarray(cf.c3_rounds_to_epsilon(e_start, cfg.eps, g, b))
        assert not np.isnan(measured).any()
        assert np.all(np.abs(measured - exact) <= 1), (key, measured, exact)
        assert np.all(measured <= np.ceil(bound)), (key, measured, bound)
    # Sampled: the seed mean has the same mean curve (C3's map is affine), so it gets there in a
    # comparable number of rounds; a loose check, the tiny preset has 3 seeds of 32 prompts.
    sampled = _nan(m["sampled"]["rounds_seed_mean"])
    exact_mean = np.asarray(cf.c3_rounds_to_epsilon_exact(w @ e0, cfg.eps, g, b))
    assert np.all(np.abs(sampled - exact_mean) <= 0.5 * exact_mean + 2)
    # C7: filter-only from a0 to error <= delta takes ceil(log(odds*/odds0) / log(1/gamma)).
    amp = m["amplification"]
    a0 = np.asarray(cfg.amp_accuracies)[:, None]
    gammas = np.asarray(cfg.amp_gammas)[None, :]
    target = math.log((1 - cfg.amp_delta) / cfg.amp_delta)
    exact = np.ceil((target - np.log(a0 / (1 - a0))) / -np.log(gammas) - 1e-9)
    assert np.all(np.abs(_nan(amp["rounds"]) - exact) <= 1)


def test_fig2_rounds_must_reach_eps(tmp_path, capsys):
    argv = ["run", "fig2", "--preset", "tiny", "--set", "rounds=5", "--out", str(tmp_path)]
    assert main(argv + ["--quiet"]) == 2
    assert "rounds must be >= " in capsys.readouterr().err


def test_fig3_phase_diagrams_match_c3_and_c4(tmp_path):
    m = _run("fig3", tmp_path)
    cfg = registry.get("fig3").config("tiny")
    task = cfg.base.make_task()
    e0, w = _errors(task)
    ax = cfg.axes()
    # (beta, gamma), c = 1: the mean error contracts by 1 - (1 - gamma) beta per round.
    b, g = np.meshgrid(ax["betas"], ax["gammas"], indexing="ij")
    theory = 1 - (w @ e0) * (1 - (1 - g) * b) ** cfg.base.rounds
    np.testing.assert_allclose(m["gamma_grid"]["final_mean_accuracy"], theory, atol=2e-5)
    # (beta, c), d fixed: the affine map of C3/C4, a_T = a* + (a0 - a*) rho^T per prompt.
    a0 = 1 - e0
    b, c = (x[..., None] for x in np.meshgrid(ax["betas"], ax["cs"], indexing="ij"))
    d = cfg.d
    a_star = b * (1 - d) / ((1 - c) * (1 - b) + b * (1 - d))
    rho = c * (1 - b) + d * b
    a_t = (a_star + (a0 - a_star) * rho**cfg.limit_rounds) @ w
    final = np.asarray(m["c_grid"]["final_mean_accuracy"])
    np.testing.assert_allclose(final, a_t, atol=2e-5)
    # Where the map has converged, the simulation sits on C4's limit (capped below 1 for c < 1).
    converged = rho[..., 0] ** cfg.limit_rounds < 1e-6
    assert converged.sum() >= 5
    np.testing.assert_allclose(final[converged], a_star[..., 0][converged], atol=2e-5)
    assert np.all(final[:, :-1] < 1 - 1e-3)  # every c < 1 caps the accuracy


def test_fig4_collapse_follows_c1(tmp_path):
    m = _run("fig4", tmp_path)
    cfg = registry.get("fig4").config("tiny")
    a0, n = cfg.base_accuracy, cfg.base.n_prompts * cfg.base.seeds
    for k in cfg.ks:
        arm = {
            key: np.asarray(v, dtype=np.float64)
            for key, v in m["arms"]["do-nothing"][str(k)].items()
        }
        t = np.arange(arm["heterozygosity"].shape[1])
        # Martingale: the mean accuracy stays at a0 (z-interval over all prompt chains).
        assert np.all(np.abs(arm["mean_accuracy"].mean(0) - a0) <= Z * math.sqrt(0.25 / n))
        # Heterozygosity a0 (1 - a0) (1 - 1/k)^t: each prompt's a(1 - a) lies in [0, 1/4].
        het = a0 * (1 - a0) * (1 - 1 / k) ** t
        assert np.all(np.abs(arm["heterozygosity"].mean(0) - het) <= Z * 0.25 / math.sqrt(n))
        # The decay rate, fitted while many prompts are unfixed, lies in a band around log(1-1/k).
        last = int(np.log(0.05) / np.log1p(-1 / k))
        slope = np.polyfit(t[: last + 1], np.log(arm["heterozygosity"].mean(0)[: last + 1]), 1)[0]
        assert slope == pytest.approx(np.log1p(-1 / k), rel=0.15)
        # Absorbed at 1 with probability a0 once (1 - 1/k)^T is negligible; entropy then 0.
        if (1 - 1 / k) ** t[-1] < 1e-4:
            fixed = arm["fixed_at_1"][:, -1] + arm["fixed_at_0"][:, -1]
            np.testing.assert_allclose(fixed, 1.0, atol=2 / cfg.base.n_prompts)
            p_hat = arm["fixed_at_1"][:, -1].mean()
            assert abs(p_hat - a0) <= Z * math.sqrt(a0 * (1 - a0) / n)
            assert arm["entropy"][:, -1].max() < 0.05
    # The accumulate arm keeps its diversity: heterozygosity far above the collapsing chain's.
    for k in cfg.ks:
        kept = np.asarray(m["arms"]["accumulate"][str(k)]["heterozygosity"])[:, -1].mean()
        assert kept > 0.2 * a0 * (1 - a0)


def test_fig5_focused_bound_and_uniform_stall(tmp_path):
    m = _run("fig5", tmp_path)
    cfg = registry.get("fig5").config("tiny")
    n = cfg.base.n_prompts
    u0 = 1 - round((1 - cfg.unsolved) * n) / n
    t = np.arange(cfg.base.rounds + 1)
    for i, beta in enumerate(cfg.betas):
        bound = u0 * (1 - beta) ** t
        stall = np.where(t >= 1, min(u0, 1 - beta), u0)
        focused = m["unsolved"]["hard"]
        assert np.all(np.asarray(focused["expected"][i]) <= bound + 1e-6)
        assert np.all(np.asarray(focused["sampled"][i]) <= bound + 1e-6)  # every seed
        # ... and not far below: the adversary gives a beta share, one prompt of rounding a round.
        assert np.all(np.asarray(focused["expected"][i]) >= bound - t / n - 1e-6)
        uniform = m["unsolved"]["uniform"]
        np.testing.assert_allclose(uniform["expected"][i], stall, atol=1.5 / n)
        sampled = np.asarray(uniform["sampled"][i])  # [S, T + 1]
        np.testing.assert_allclose(sampled, np.broadcast_to(stall, sampled.shape), atol=1.5 / n)
    # (eps, delta): with gamma = 0 amplification is immediate and C5's count is a bound.
    e = m["eps_delta"]
    rounds = _nan(e["rounds"])
    for i, beta in enumerate(cfg.eps_betas):
        c5 = math.log(u0 / cfg.eps) / -math.log1p(-beta)
        j = list(cfg.eps_gammas).index(0.0)
        assert rounds[i, j] <= math.ceil(c5 - 1e-9)
        assert np.all(rounds[i] >= rounds[i, j])  # a noisier filter never helps here


def test_fig9_labels_spent_and_references(tmp_path):
    m = _run("fig9", tmp_path)
    cfg = registry.get("fig9").config("tiny")
    base = cfg.base
    budgets = np.asarray(cfg.budgets) * base.n_prompts * base.labels_per_prompt
    t = np.arange(base.rounds + 1)
    m_labels = base.labels_per_prompt
    # Uniform labels round(B / m) random prompts, m labels each, every round: exactly.
    spent = np.asarray(m["arms"]["boosting-uniform"]["labels_spent"])  # [B, S, T + 1]
    per_round = np.round(budgets / m_labels) * m_labels
    np.testing.assert_allclose(spent, np.broadcast_to(per_round[:, None, None] * t, spent.shape))
    # Focused never spends more than the budget, and only on the hard set.
    spent = np.asarray(m["arms"]["boosting"]["labels_spent"])
    assert np.all(spent <= per_round[:, None, None] * t + 1e-6)
    assert np.all(np.diff(spent, axis=-1) >= 0)
    # Filter-only never beats C2's ceiling D{a0 > 0} (computed here from the task).
    task = base.make_task()
    p0 = np.asarray(task.base_probs, dtype=np.float64)
    ceiling = float(np.mean(np.where(np.asarray(task.correct), p0, 0.0).sum(1) > 0))
    assert m["c2_ceiling"] == pytest.approx(ceiling)
    assert np.all(np.asarray(m["filter_only"]["mean_accuracy"]) <= ceiling + 1e-6)
