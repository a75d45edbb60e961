"""Figure 12 (tiny preset) through the command line; its curves against C8's closed form
iterated here in a plain NumPy loop, independently of the experiment code."""

import json

import numpy as np

from experiments import registry
from experiments.cli import main
from experiments.configs.sim import override


def test_fig12_tokens(tmp_path):
    out = tmp_path / "fig12"
    measured = '[{"label": "testbed", "length": 3, "beta": 0.6, "lo": 0.5, "hi": 0.7}]'
    argv = ["run", "fig12", "--preset", "tiny", "--out", str(out), "--quiet"]
    assert main([*argv, "--set", f"measured={measured}"]) == 0
    assert (out / "fig12.png").stat().st_size > 10_000 and (out / "DONE").exists()
    m = json.loads((out / "metrics.json").read_text())
    cfg = registry.get("fig12").config("tiny")
    gamma = cfg.base.gamma
    for curve in m["curves"]:
        c = override(cfg.base, {"wrong_labels": curve["kind"], "answer_length": curve["length"]})
        task = c.make_task()
        a = np.asarray(task.wrong[..., 0], np.float64) + np.asarray(task.right, np.float64)[:, None]
        rho = np.asarray(task.fresh[..., 0], np.float64)  # wrong_spread = 1: fresh labels
        q = curve["beta"] + (1 - curve["beta"]) * rho
        acc = [np.mean(np.prod(a, -1))]
        for _ in range(c.rounds):
            big = np.prod(a, -1, keepdims=True)
            a = big + gamma * (a - big) + (1 - big) * (1 - gamma) * q
            acc.append(np.mean(np.prod(a, -1)))
        np.testing.assert_allclose(curve["boosting"], acc, atol=2e-5)
        np.testing.assert_allclose(curve["boosting_theory"], acc, atol=1e-12)
    # a near miss carries more right tokens than a random wrong answer: it breaks even sooner
    lengths = m["break_even"]["near"]["lengths"]
    i = lengths.index(3)
    assert m["break_even"]["near"]["theory"][i] < m["break_even"]["random"]["theory"][i]
    assert m["measured"][0]["label"] == "testbed"
    assert len(registry.get("fig12").report(out)) == 4
