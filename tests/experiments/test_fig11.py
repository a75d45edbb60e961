"""Figure 11 (tiny preset) through the command line, its numbers against C3 per prompt computed
here in NumPy (b(x), d(x) of framework §8), independently of the experiment code."""

import json

import numpy as np

import sim
from experiments import registry
from experiments.cli import main


def test_fig11_focus_against_hard_prompt_labeler(tmp_path):
    out = tmp_path / "fig11"
    assert main(["run", "fig11", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    assert (out / "fig11.png").stat().st_size > 10_000 and (out / "DONE").exists()
    report = registry.get("fig11").report(out)
    assert len(report) == 3 and all(row.keys() == report[0].keys() for row in report)
    m = json.loads((out / "metrics.json").read_text())

    cfg = registry.get("fig11").config("tiny")
    task = cfg.base.make_task()
    a0 = np.asarray(sim.base_accuracy(task), dtype=np.float64)
    w = np.asarray(task.prompt_weights, dtype=np.float64)
    hard = np.asarray(cfg.beta_hards)
    beta = np.asarray(m["betas"])
    b = hard[:, None] + (beta - hard)[:, None] * a0[None, :]  # [H, P]
    np.testing.assert_allclose(b @ w, cfg.mean_beta, atol=1e-12)  # the mean quality is fixed
    d = cfg.base.gamma  # gamma_hard unset: d(x) = gamma
    t = np.arange(cfg.base.rounds + 1)
    e = (1 - a0)[None, None, :] * (1 - (1 - d) * b[:, None, :]) ** t[None, :, None]  # [H, T+1, P]
    mean_e = e @ w
    focused = m["arms"]["boosting"]
    np.testing.assert_allclose(focused["mean_error"], mean_e, atol=2e-5)
    np.testing.assert_allclose(m["theory"]["mean_error"], mean_e, atol=1e-12)
    first = [next((i for i, v in enumerate(row) if v <= cfg.eps), None) for row in mean_e]
    assert focused["rounds_to_eps"] == first
    # beta_hard = 0: the never-solved prompts stay unsolved, in the simulation and in theory.
    never = w[a0 == 0].sum()
    assert never > 0 and m["theory"]["rounds_to_eps"][0] is None
    assert focused["final_accuracy"][0] <= 1 - never + 1e-6
    # At this budget, uniform labels every prompt each round and stays far below focus.
    uniform = m["arms"]["boosting-uniform"]
    assert np.all(np.asarray(uniform["final_accuracy"]) < np.asarray(focused["final_accuracy"]))
