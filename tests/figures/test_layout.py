"""Every experiment's figure, drawn at its tiny preset (or, where a run would be slow, from
small synthetic arrays of the run's format): no text leaves the canvas or overlaps another
text, and every line a legend names is drawn where it can be seen (`figures.layout`).

New experiments are covered by the parametrization over the registry."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from experiments import driver, registry, rundir
from experiments.configs import testbed as testbed_config
from experiments.configs.fig8 import PRESETS as FIG8_PRESETS
from experiments.fig8_testbed_quality import member_arm as _fig8_arm
from experiments.fig8_testbed_quality import summarize as fig8_summary
from experiments.testbed_runs import SUMMARY_FILE, summarize
from figures import layout

# Experiments whose tiny run trains transformers for tens of seconds and that have no
# synthetic run below: their layout is checked in the slow step.
SLOW = ("fig13", "scale")
DRAWN = [
    pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name
    for name, e in registry.experiments().items()
    if e.figure is not None
]


def _testbed(run_dir, rng):
    """A testbed run of every arm at the default preset's shape (6 arms, 5 digit counts), with
    the 5-digit accuracy near 0 as in real runs; 3 seeds, 5 rounds."""
    config = testbed_config.preset("default")
    seeds, rounds, digits = 3, config.rounds, config.max_digits
    config = config.__class__(**{**config.__dict__, "seeds": seeds})
    base = np.linspace(1.0, 0.0, digits)  # 1-digit sums easy ... 5-digit ones never solved
    metrics = {}
    for i, arm in enumerate(config.strategies):
        drift = (i - 2) * 0.04 * np.arange(rounds + 1)[None, :, None]
        noise = rng.normal(0, 0.02, size=(seeds, rounds + 1, digits))
        by = np.clip(base[None, None, :] + drift * (base > 0.05) + noise, 0, 1)
        by[..., -1] = np.clip(0.002 * i * np.arange(rounds + 1), 0, 1)[None, :]
        by[:, 0] = base
        metrics[arm] = {
            "test_accuracy": by.mean(-1),
            "test_accuracy_by_difficulty": by,
            "labels_spent": np.zeros((seeds, rounds + 1)),
        }
    base_metrics = {"test_accuracy": base.mean(), "test_accuracy_by_difficulty": base}
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, metrics)
    rundir.atomic_write_json(run_dir / SUMMARY_FILE, summarize(config, metrics, base_metrics))
    return config


def _fig8(run_dir, rng):
    cfg = FIG8_PRESETS["default"]
    seeds = 3
    final = {"filter-only": np.clip(0.55 + rng.normal(0, 0.01, seeds), 0, 1)}
    for arm, b, a in cfg.points():
        lift = 0.3 * b - 0.1 if arm == "boosting" else 0.1 * b
        final[_fig8_arm(arm, b, a)] = np.clip(
            0.55 + lift - 0.2 * (a - cfg.base.alpha) + rng.normal(0, 0.02, seeds), 0, 1
        )
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, fig8_summary(cfg, final, 0.5))
    return cfg


# Experiments whose tiny run trains a transformer (a minute or more): drawn from arrays.
SYNTHETIC = {"testbed": _testbed, "fig8": _fig8}


@pytest.fixture
def drawn(monkeypatch):
    """Every figure saved while the fixture is active (nothing is written to disk)."""
    figures = {}

    def savefig(self, *args, **kwargs):
        figures[id(self)] = self

    monkeypatch.setattr(Figure, "savefig", savefig)
    return figures


def _run_dir(name, tmp_path, tiny_run):
    if name not in SYNTHETIC:
        return tiny_run(name)
    run_dir = tmp_path / name
    run_dir.mkdir()
    config = SYNTHETIC[name](run_dir, np.random.default_rng(0))
    rundir.write_config(run_dir, name, driver.resolved(config), preset="tiny")
    return run_dir


@pytest.mark.parametrize("name", DRAWN)
def test_figure_layout(name, tmp_path, tiny_run, drawn):
    run_dir = _run_dir(name, tmp_path, tiny_run)
    driver.draw_figure(registry.get(name), run_dir)
    assert drawn, f"{name} saved no figure"
    found = [f"{name}: {p}" for fig in drawn.values() for p in layout.problems(fig)]
    assert not found, "\n".join(found)
