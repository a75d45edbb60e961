"""`fig8`: the testbed's final accuracy against weak-data quality (beta) and weight (alpha)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.registry import Experiment, register
from experiments.stats import mean_ci
from sim.lm import config as lm_config
from sim.lm.testbed import run_testbed

_BASE = dataclasses.replace(lm_config.PRESETS["default"], strategies=("boosting",), seeds=3)


@dataclasses.dataclass(frozen=True)
class Fig8Config:
    """Figure 8 (FRAMEWORK.md §7.8): boosting on the testbed, final held-out accuracy vs the
    labeler's quality beta (alpha fixed at `base.alpha`) and vs the weak data's weight alpha
    (beta fixed at `base.beta`); alpha = 0 is filter-only. Mean and 95% interval over
    `base.seeds` seeds; the base model is trained once and shared.
    Command: `python -m experiments run fig8` (about 13 minutes on 2 CPU cores).
    """

    base: lm_config.TestbedConfig = _BASE
    betas: tuple[float, ...] = (0.1, 0.3, 0.6, 1.0)
    alphas: tuple[float, ...] = (0.0, 1.0 / 3.0, 0.6)

    def __post_init__(self):
        if not self.betas or not self.alphas:
            raise ValueError("betas and alphas must each hold at least one value")
        for b in self.betas:
            lm_config.replace(self.base, beta=b)  # validates the range, naming the option
        for a in self.alphas:
            lm_config.replace(self.base, alpha=a)

    def points(self) -> list[tuple[float, float]]:
        """(beta, alpha) pairs to run: the beta sweep, then the alpha sweep (shared point once)."""
        pts = [(b, self.base.alpha) for b in self.betas]
        pts += [(self.base.beta, a) for a in self.alphas]
        return list(dict.fromkeys(pts))


def _point_dir(run_dir: Path, beta: float, alpha: float) -> Path:
    return run_dir / f"beta{beta:.4g}_alpha{alpha:.4g}"


def run(cfg: Fig8Config, run_dir: Path, *, progress: bool = True) -> None:
    out = {
        "betas": list(cfg.betas),
        "alphas": list(cfg.alphas),
        "base_beta": cfg.base.beta,
        "base_alpha": cfg.base.alpha,
        "points": [],
    }
    for i, (beta, alpha) in enumerate(cfg.points()):
        if progress:
            print(f"fig8: point {i + 1}/{len(cfg.points())}: beta={beta:.3g} alpha={alpha:.3g}")
        config = lm_config.replace(cfg.base, beta=beta, alpha=alpha)
        summary = run_testbed(
            config,
            _point_dir(run_dir, beta, alpha),
            resume=True,
            progress=progress,
            base_dir=run_dir / "base",
        )
        out["base_accuracy"] = summary["base_accuracy"]
        out["points"].append(
            {"beta": beta, "alpha": alpha, "final": summary["final_accuracy"]["boosting"]["values"]}
        )
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def _series(m: dict, key: str, fixed_key: str, fixed: float, values: list[float]):
    finals = []
    for v in values:
        point = next(p for p in m["points"] if p[key] == v and p[fixed_key] == fixed)
        finals.append(point["final"])
    mean, half = mean_ci(np.asarray(finals, dtype=np.float64).T, axis=0)
    return np.asarray(values), mean, half


def figure(run_dir: Path) -> list[Path]:
    from figures.style import color, new_figure, save

    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    fig, axes = new_figure(ncols=2, width=4.2, height=3.2)
    panels = (
        ("beta", "alpha", m["base_alpha"], m["betas"], "labeler quality β"),
        ("alpha", "beta", m["base_beta"], m["alphas"], "weak-data weight α"),
    )
    for ax, (key, fixed_key, fixed, values, label) in zip(axes[0], panels, strict=True):
        x, mean, half = _series(m, key, fixed_key, fixed, values)
        ax.errorbar(
            x,
            mean,
            yerr=half,
            color=color("boosting"),
            marker="o",
            capsize=3,
            label="boosting (mean ± 95% CI)",
        )
        ax.axhline(m["base_accuracy"], color=color("base"), ls=":", label="base model")
        ax.set_xlabel(label)
        ax.set_ylabel("held-out greedy accuracy after T rounds")
        ax.set_title(f"{fixed_key} = {fixed:.3g}", fontsize=9)
        ax.set_ylim(0, 1)
    axes[0][1].annotate("α = 0: filter-only", (0, 0.05), fontsize=7)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Testbed: what weak data buys, by its quality and its weight", fontsize=9)
    return save(fig, run_dir / "fig8")


def report(run_dir: Path) -> list[dict]:
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    for p in m["points"]:
        mean, half = mean_ci(p["final"])
        rows.append(
            {
                "beta": f"{p['beta']:.3g}",
                "alpha": f"{p['alpha']:.3g}",
                "final accuracy (95% CI)": f"{mean:.3f} ± {half:.3f}",
            }
        )
    rows.append(
        {
            "beta": "—",
            "alpha": "—",
            "final accuracy (95% CI)": f"base model {m['base_accuracy']:.3f}",
        }
    )
    return rows


register(
    Experiment(
        name="fig8",
        summary="testbed final accuracy vs weak-data quality beta and weight alpha",
        presets={
            "tiny": Fig8Config(
                base=dataclasses.replace(
                    lm_config.PRESETS["tiny"], strategies=("boosting",), rounds=1, seeds=2
                ),
                betas=(0.3, 1.0),
                alphas=(0.0, 1.0 / 3.0),
            ),
            "default": Fig8Config(),
            "large": Fig8Config(
                base=dataclasses.replace(
                    lm_config.PRESETS["gpu"], strategies=("boosting",), seeds=5
                ),
                betas=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
                alphas=(0.0, 0.1, 0.2, 1.0 / 3.0, 0.5, 0.75),
            ),
        },
        run=run,
        figure=figure,
        report=report,
    )
)
