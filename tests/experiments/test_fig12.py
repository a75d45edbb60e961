"""Figure 12 (tiny preset) through the command line; its curves against C8's closed form
iterated here in a plain NumPy loop, independently of the experiment code."""

import json

import numpy as np
import pytest

from experiments import registry
from experiments.cli import main
from experiments.configs.sim import override
from experiments.errors import OptionError
from tests.experiments.test_predict import fig8_dir


def test_fig12_tokens(tmp_path):
    out = tmp_path / "fig12"
    testbed = fig8_dir(tmp_path / "fig8-run")  # a testbed fig8 run (hand-made)
    argv = ["run", "fig12", "--preset", "tiny", "--out", str(out), "--quiet"]
    assert main([*argv, "--set", f"measured={testbed}"]) == 0
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
    # the run's measured break-evens beside C8's predictions from its measurements
    sources = sorted(p["source"] for p in m["measured"])
    assert sources == ["measured", "measured", "predicted", "predicted"]
    unchecked = [p for p in m["measured"] if p["label"] == "fig8-run unchecked: measured"]
    assert unchecked[0]["beta"] == 0.6 and (unchecked[0]["lo"], unchecked[0]["hi"]) == (0.5, 0.7)
    assert len(registry.get("fig12").report(out)) == 4


def test_fig12_measured_json_and_errors(tmp_path):
    cfg = registry.get("fig12").config("tiny")
    points = override(
        cfg, {"measured": '[{"label": "t", "length": 3, "beta": 0.6, "lo": 0.5, "hi": 0.7}]'}
    ).measured_points()
    assert points == [
        {"label": "t", "length": 3.0, "beta": 0.6, "lo": 0.5, "hi": 0.7, "source": "measured"}
    ]
    with pytest.raises(OptionError, match="measured: .* is not a testbed run"):
        override(cfg, {"measured": str(tmp_path / "missing")})
