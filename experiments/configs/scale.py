"""Config and presets of `scale`: does unchecked boosting's gap depend on the model?"""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs import testbed as lm_config
from experiments.configs.spec import opt
from sim.lm import model as model_lib
from sim.types import Range

BASE = dataclasses.replace(
    lm_config.PRESETS["default"], strategies=("filter-only", "boosting"), seeds=3
)


@dataclasses.dataclass(frozen=True)
class ScaleConfig:
    """The paired gap boosting - filter-only (unchecked weak labels, `base.wrong_labels`, at
    `base.beta`) after `base.rounds` rounds, one factor at a time around `base`: the model size
    (`model_sizes`), the fine-tuning steps per round (`step_factors` x `base.steps_per_round`)
    and the weight decay (`weight_decays`; it applies to the base model's training too, so a
    setting is a whole testbed). Each setting is a population of its own (filter-only and
    boosting x `base.seeds` seeds, paired by seed); settings that share the base model's
    options share its cached base model. Mean and 95% t-interval over seeds.
    Command: `python -m experiments run scale` (2 CPU cores: see the README).
    """

    base: lm_config.TestbedConfig = BASE
    model_sizes: tuple[str, ...] = opt(
        ("tiny", "small"), choices=model_lib.SIZES, doc="the model sizes compared"
    )
    step_factors: tuple[float, ...] = opt(
        (0.5, 1.0, 2.0),
        range=Range(0.0, 16.0, lo_open=True),
        doc="fine-tuning steps per round, as multiples of base.steps_per_round",
    )
    weight_decays: tuple[float, ...] = opt(
        (0.0, 0.1),
        range=spec.range_of(lm_config.TestbedConfig, "weight_decay"),
        doc="the weight decays compared (base model and fine-tuning)",
    )

    def __post_init__(self):
        spec.check(self)
        if self.base.strategies != ("filter-only", "boosting"):
            raise ValueError(
                f"strategies of scale are fixed (filter-only, boosting); got {self.base.strategies}"
            )
        self.settings()  # validates every setting's config, naming the option

    def settings(self) -> dict[str, lm_config.TestbedConfig]:
        """name -> the testbed config of each setting: the reference (`base`), then one factor
        changed at a time."""
        b = self.base
        out = {"reference": b}
        for s in self.model_sizes:
            out[f"model={s}"] = lm_config.replace(b, model_size=s)
        for f in self.step_factors:
            steps = max(1, round(f * b.steps_per_round))
            out[f"steps=x{f:g}"] = lm_config.replace(b, steps_per_round=steps)
        for wd in self.weight_decays:
            out[f"weight_decay={wd:g}"] = lm_config.replace(b, weight_decay=wd)
        # one population per distinct config, under the first name that asks for it
        unique: dict[str, lm_config.TestbedConfig] = {}
        for name, c in out.items():
            if c not in unique.values():
                unique[name] = c
        return unique


PRESETS = {
    "tiny": ScaleConfig(
        base=dataclasses.replace(
            lm_config.PRESETS["tiny"], strategies=("filter-only", "boosting"), seeds=2, rounds=1
        ),
        model_sizes=("tiny",),
        step_factors=(0.5, 1.0),
        weight_decays=(0.0, 0.1),
    ),
    "default": ScaleConfig(),
    # On an accelerator: the three model sizes (the `base` size is the gpu preset's model).
    "large": ScaleConfig(model_sizes=("tiny", "small", "base")),
}
