"""Config and presets of `testbed`: the toy LLM trained by the round (tiny, default, gpu)."""

from __future__ import annotations

import dataclasses
import math

from sim.lm import model as model_lib
from sim.lm import task as task_lib
from sim.lm.data import LABEL_KINDS
from sim.lm.strategy import FILTERS, LABELERS, STRATEGIES
from sim.types import check_range


@dataclasses.dataclass(frozen=True)
class TestbedConfig:
    """The toy-LLM testbed (framework §6, figures 6-9): every strategy x seed, T rounds each.

    Shows: held-out greedy accuracy of the base model and of each strategy after `rounds`
    rounds, mean and 95% t-interval over seeds, and the paired boosting - filter-only gap. The
    task is multi-digit addition; the base model is pre-trained on a seed set that holds few
    `max_digits - 1`-digit sums and no `max_digits`-digit ones, so it solves the easy prompts,
    sometimes the next-to-hardest within k samples, and never the hardest (C2's regime).

    Every strategy x seed is a member of one population (one compiled program per stage of a
    round). Seed, train and test sets are disjoint as problems (`sim.lm.data`).
    Presets: `default` (this dataclass's defaults) is sized for a 2-core CPU: 2048 prompts a
    round and 165 steps of 64, i.e. one pass over the accepted samples as in the paper, at half
    the paper's per-round prompts and steps; `paper` keeps the paper's 330 steps of 64 (4096
    prompts, twice the work); `tiny` is a smoke run whose numbers mean nothing; `gpu` a larger
    model and data set for an accelerator (6-digit sums, 4.7 M parameters). Measured numbers
    for each: README "The transformer testbed".
    Command: python -m experiments run testbed [--preset default|paper|gpu]
    """

    # task: addition of two n-digit numbers, n = 1..max_digits
    max_digits: int = 5
    # The round's prompts X (the paper: 7000). With 165 steps of 64 a round is about one pass
    # over the accepted samples, as in the paper; with few prompts and several passes the model
    # memorises its training prompts instead (see README of the testbed / the report).
    n_train_prompts: int = 2048
    # held-out prompts, uniform over difficulties: large, so that the test set's sampling error
    # (~0.007 at 4096) is well below the spread over seeds
    n_test_prompts: int = 4096
    data_seed: int = 0  # train, test and seed sets are fixed by this seed
    # base model: pre-trained from scratch on a seed set, once per config, then fixed
    seed_difficulty: tuple[float, ...] = (0.5, 0.3, 0.17, 0.03, 0.0)  # seed-set mix of n
    n_seed_examples: int = 3000
    model_size: str = "tiny"
    base_steps: int = 1500
    base_lr: float = 1e-3
    base_seed: int = 0
    # the round (framework §3)
    rounds: int = 5
    samples_per_prompt: int = 8  # k
    temperature: float = 1.0
    filter: str = "gamma"  # the filter of strategies that filter: "gamma", "general", "perfect"
    gamma: float = 0.1  # false-positive rate of the gamma-noisy filter (c = 1, d = gamma)
    filter_tpr: float = 1.0  # c of the general filter
    filter_fpr: float = 0.1  # d of the general filter
    beta: float = 0.3  # the weak labeler's correct rate (on 1-digit sums when beta_hard is set)
    # Quality by difficulty (framework §8) with a_0 read as 1 - (n - 1)/(max_digits - 1) for
    # n-digit sums: the labeler's rate falls linearly from beta (1 digit) to beta_hard (the
    # hardest), the filter's false-positive rate moves from gamma to gamma_hard. None: constant.
    beta_hard: float | None = None
    gamma_hard: float | None = None
    alpha: float = 1.0 / 3.0  # weak data's share of the training mixture (the paper's 1/3)
    label_budget: int = 1024  # labels per round (B): 256 prompts x 4, below the hard set (~375)
    labels_per_prompt: int = 4  # m
    labeler: str = "stochastic"  # "adversarial" (C5), or "base": base-model samples (the paper)
    # What a wrong weak label is (sim.lm.data.LABEL_KINDS): "random" (a random wrong answer of
    # the right length, no signal), "shuffled" (another problem's right answer), "near" (one
    # carry mistake: partial signal) or "abstain" (no label: the labeler is silent, the label
    # still paid for). See the README for why "random" is the default.
    wrong_labels: str = "random"
    # Share of wrong labels that are fresh: 0, one wrong answer per prompt reused by every
    # wrong label ("consistent"); 1, a new wrong answer of the kind for every label drawn.
    wrong_spread: float = 0.0
    # Pass the weak labels of every arm through the filter ("Boosting (A)"); the
    # `boosting-checked` arm always does.
    filter_labels: bool = False
    restart: bool = False  # fine-tune each round from the base model instead of the last one
    steps_per_round: int = 165  # fine-tuning steps per round (the paper: 330 of batch 64)
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 0.0
    # what to run
    strategies: tuple[str, ...] = (
        "do-nothing",
        "filter-only",
        "weak-only",
        "boosting",
        "boosting-checked",
        "boosting-uniform",
        "oracle",
    )
    seeds: int = 5
    # sequences decoded per jitted call and member (memory bound; ~1024 is fastest on a CPU)
    sample_chunk: int = 1024

    def __post_init__(self):
        validate(self)

    @property
    def difficulties(self) -> int:
        return self.max_digits


def _int(name: str, value, lo: int, hi: float = math.inf) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {value!r}")


def _positive(name: str, value) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not value > 0:
        raise ValueError(f"{name} must be a finite number in (0, inf); got {value!r}")


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}")


def validate(c: TestbedConfig) -> None:
    """Raises ValueError naming the first bad option and its valid range."""
    _int("max_digits", c.max_digits, 2, task_lib.MAX_DIGITS)
    for name in ("n_train_prompts", "n_test_prompts", "n_seed_examples", "base_steps"):
        _int(name, getattr(c, name), 1)
    for name in ("data_seed", "base_seed"):
        _int(name, getattr(c, name), 0)
    for name in ("rounds", "samples_per_prompt", "labels_per_prompt", "steps_per_round"):
        _int(name, getattr(c, name), 1)
    for name in ("batch_size", "seeds", "sample_chunk"):
        _int(name, getattr(c, name), 1)
    _int("label_budget", c.label_budget, 0)
    w = c.seed_difficulty
    if (
        not isinstance(w, tuple)
        or len(w) != c.max_digits
        or any(not isinstance(x, (int, float)) or x < 0 for x in w)
        or not sum(w) > 0
    ):
        raise ValueError(
            f"seed_difficulty must be a tuple of {c.max_digits} (max_digits) non-negative "
            f"weights, not all zero; got {w!r}"
        )
    _choice("model_size", c.model_size, model_lib.SIZES)
    for name in ("temperature", "base_lr", "lr"):
        _positive(name, getattr(c, name))
    wd = c.weight_decay
    if not isinstance(wd, (int, float)) or not math.isfinite(wd) or not wd >= 0:
        raise ValueError(f"weight_decay must be a finite number in [0, inf); got {wd!r}")
    for name in ("gamma", "filter_tpr", "filter_fpr", "beta", "alpha"):
        check_range(name, getattr(c, name))
    for name in ("beta_hard", "gamma_hard"):
        if getattr(c, name) is not None:
            check_range(name, getattr(c, name))
    _choice("labeler", c.labeler, LABELERS)
    _choice("wrong_labels", c.wrong_labels, LABEL_KINDS)
    check_range("wrong_spread", c.wrong_spread)
    _choice("filter", c.filter, FILTERS)
    for name in ("filter_labels", "restart"):
        if not isinstance(getattr(c, name), bool):
            raise ValueError(f"{name} must be true or false; got {getattr(c, name)!r}")
    if not isinstance(c.strategies, tuple) or not c.strategies:
        raise ValueError(f"strategies must be a non-empty tuple of {list(STRATEGIES)}")
    for s in c.strategies:
        _choice("strategies", s, STRATEGIES)
    if len(set(c.strategies)) != len(c.strategies):
        raise ValueError(f"strategies must not repeat; got {c.strategies!r}")


def replace(config: TestbedConfig, **changes) -> TestbedConfig:
    """A copy with `changes` (validated), naming an unknown option in the error."""
    fields = {f.name for f in dataclasses.fields(TestbedConfig)}
    for key in changes:
        if key not in fields:
            raise ValueError(f"unknown option {key!r}; valid options: {sorted(fields)}")
    return dataclasses.replace(config, **changes)


PRESETS: dict[str, TestbedConfig] = {
    # Smoke run for tests: a few seconds of base training, 2 rounds, 2 strategies, 1 seed.
    "tiny": TestbedConfig(
        max_digits=3,
        seed_difficulty=(0.6, 0.4, 0.0),
        n_train_prompts=64,
        n_test_prompts=64,
        n_seed_examples=256,
        base_steps=100,
        rounds=2,
        samples_per_prompt=4,
        label_budget=32,
        labels_per_prompt=2,
        steps_per_round=10,
        batch_size=16,
        strategies=("filter-only", "boosting", "boosting-checked"),
        seeds=1,
        sample_chunk=256,
    ),
    # The paper's Table 1 analogue (framework §6): 5 rounds, k = 8, alpha = 1/3, 5 seeds, one
    # pass a round; sized for a 2-core CPU.
    "default": TestbedConfig(),
    # The same at the paper's per-round size: 330 steps of 64 over 4096 prompts (twice the work).
    "paper": TestbedConfig(
        n_train_prompts=4096, label_budget=2048, steps_per_round=330, sample_chunk=4096
    ),
    # Larger model and data for an accelerator: 6-digit sums, the `base` model, 16384 prompts,
    # every strategy, 8 seeds (README: 2 seeds x 2 arms took 114 s on one H200).
    "gpu": TestbedConfig(
        max_digits=6,
        seed_difficulty=(0.4, 0.3, 0.17, 0.1, 0.03, 0.0),
        n_train_prompts=16384,
        n_test_prompts=4096,
        n_seed_examples=20000,
        model_size="base",
        base_steps=6000,
        base_lr=5e-4,
        label_budget=8192,
        steps_per_round=400,
        batch_size=256,
        lr=1e-4,
        strategies=STRATEGIES,
        seeds=8,
        # per member: a population of 56 decodes 56 x 1024 sequences at once (~90 GiB by
        # experiments.memory's estimate, within one 141 GiB H200; 8192 would need ~600 GiB)
        sample_chunk=1024,
    ),
}


def preset(name: str) -> TestbedConfig:
    _choice("preset", name, PRESETS)
    return PRESETS[name]


# The command line's presets: `large` is the accelerator preset.
PRESETS["large"] = PRESETS["gpu"]
