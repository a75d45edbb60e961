"""Config and presets of `fig12`."""

from __future__ import annotations

import dataclasses
import json

from experiments.configs import spec
from experiments.configs.sim import SimConfig
from experiments.configs.spec import opt
from experiments.errors import OptionError
from sim.table.token_task import LENGTH_RANGE, WRONG_KINDS
from sim.types import RANGES


@dataclasses.dataclass(frozen=True)
class Fig12Config:
    """Figure 12 (docs/tokens.md, framework §9): weak labels at the level of tokens.

    Left: mean whole-answer accuracy per round of boosting (gamma-noisy filter, one label per
    rejected sample, replace mixture) and of filter-only, factored learner, expected mode, for
    each (beta, wrong kind, L) of `curves`; the simulation solid, C8's closed form
    a_l' = A + gamma (a_l - A) + (1 - A)(1 - gamma) q_l iterated per prompt dashed. Right: the
    break-even beta (the smallest beta at which boosting's final mean accuracy reaches
    filter-only's) against L for each kind: closed form lines, simulated points (a `sim.sweep`
    over `betas`, interpolated). `measured` optionally adds testbed break-evens as labelled
    markers with intervals: JSON text, a list of {"label", "length", "beta", "lo", "hi"}, or
    testbed run directories (fig8, fig13; comma-separated): their measured break-evens and C8's
    predictions from their measurements (`experiments.predict`), side by side.
    Wrong labels are fresh every time (`base.wrong_spread`, default 1), so every position of
    a prompt sees the same q = beta + (1 - beta) rho.
    Command: `python -m experiments run fig12` (about a minute on 2 busy CPU cores).
    """

    base: SimConfig = SimConfig(
        task="tokens",
        learner="factored",
        mixture="replace",
        n_prompts=512,
        rounds=30,
        gamma=0.2,
        wrong_spread=1.0,
        base_accuracy_mean=0.3,
    )
    curves: str = opt(
        "0.3:random:5,0.3:near:5,0.9:random:5,0.3:random:1",
        form=f"beta:kind:L, comma-separated (beta in {RANGES['beta']}, L in {LENGTH_RANGE})",
        doc="the left panel's curves",
    )
    betas: tuple[float, ...] = opt(
        (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95),
        range=RANGES["beta"],
        min_len=2,
        doc="the betas of the break-even sweep, increasing",
    )
    kinds: tuple[str, ...] = opt(
        WRONG_KINDS, choices=WRONG_KINDS, doc="the wrong-label kinds of the right panel"
    )
    lengths: tuple[int, ...] = opt(
        (1, 2, 3, 5, 8), range=LENGTH_RANGE, doc="the answer lengths L of the right panel"
    )
    measured: str = opt(
        "",
        form='JSON: a list of {"label", "length", "beta", "lo", "hi"}, or testbed run '
        "directories (fig8, fig13), comma-separated",
        doc="testbed break-evens drawn as labelled markers beside C8's predictions (empty: none)",
    )

    def __post_init__(self):
        spec.check(self)
        if self.base.task != "tokens":
            raise OptionError("fig12: base.task must be 'tokens'")
        self.curve_specs()
        if list(self.betas) != sorted(self.betas):
            raise OptionError(
                f"betas must list two or more increasing values in {RANGES['beta']}; "
                f"got {self.betas}"
            )
        self.measured_points()

    def curve_specs(self) -> list[tuple[float, str, int]]:
        """`curves` parsed: [(beta, kind, L)] (OptionError naming `curves` when malformed)."""
        out = []
        for item in self.curves.split(","):
            parts = item.strip().split(":")
            try:
                beta, kind, length = float(parts[0]), parts[1].strip(), int(parts[2])
                if len(parts) != 3 or not RANGES["beta"].contains(beta) or kind not in WRONG_KINDS:
                    raise ValueError
                if not LENGTH_RANGE.contains(length):
                    raise ValueError
            except (ValueError, IndexError):
                raise OptionError(
                    f"curves must be comma-separated beta:kind:L with beta in {RANGES['beta']}, "
                    f"kind in {list(WRONG_KINDS)} and L in {LENGTH_RANGE}; got {self.curves!r}"
                ) from None
            out.append((beta, kind, length))
        return out

    def measured_points(self) -> list[dict]:
        """The parsed `measured` points (OptionError naming `measured` when malformed).

        `measured` is either JSON, a list of {"label", "length", "beta", "lo", "hi"} (optional
        "source": "measured" | "predicted"), or comma-separated testbed run directories (fig8
        or fig13), read by `experiments.predict_report.fig12_points`: C8's predicted break-evens of
        each and, for fig8, the measured ones, at the hard prompts' mean answer length."""
        if not self.measured:
            return []
        if not self.measured.lstrip().startswith("["):
            from experiments.predict_report import fig12_points

            out = []
            for path in (p.strip() for p in self.measured.split(",") if p.strip()):
                try:
                    out += fig12_points(path)
                except (OptionError, OSError, KeyError, ValueError) as err:
                    raise OptionError(
                        f"measured: {path} is not a testbed run predict can read ({err})"
                    ) from None
            return out
        try:
            points = json.loads(self.measured)
            out = [
                {
                    "label": str(p["label"]),
                    **{k: float(p[k]) for k in ("length", "beta", "lo", "hi")},
                    "source": str(p.get("source", "measured")),
                }
                for p in points
            ]
        except (ValueError, TypeError, KeyError) as err:
            raise OptionError(
                'measured must be JSON: a list of {"label", "length", "beta", "lo", "hi"}, or '
                f"testbed run directories (comma-separated); got {self.measured!r} ({err})"
            ) from None
        return out


PRESETS = {
    "tiny": Fig12Config(
        base=SimConfig(
            task="tokens",
            learner="factored",
            mixture="replace",
            n_prompts=64,
            rounds=8,
            gamma=0.2,
            wrong_spread=1.0,
        ),
        curves="0.3:random:3,0.3:near:3",
        betas=(0.1, 0.4, 0.7, 0.95),
        kinds=("near", "random"),
        lengths=(1, 3),
    ),
    "default": Fig12Config(),
    "large": Fig12Config(
        base=SimConfig(
            task="tokens",
            learner="factored",
            mixture="replace",
            n_prompts=4096,
            rounds=60,
            gamma=0.2,
            wrong_spread=1.0,
        ),
        betas=tuple(round(0.025 + 0.05 * i, 3) for i in range(20)),
        lengths=(1, 2, 3, 4, 5, 6, 8, 10, 12, 16),
    ),
}
