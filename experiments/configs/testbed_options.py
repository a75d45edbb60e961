"""`TestbedConfig`: the toy LLM trained by the round (presets: experiments.configs.testbed)."""

from __future__ import annotations

import dataclasses
import math

from experiments.configs import spec
from experiments.configs.spec import (
    MAX_SEED,
    PER_PROMPT,
    PROMPTS,
    ROUNDS,
    SEED,
    SEEDS,
    integers,
    opt,
)
from experiments.errors import OptionError
from sim.lm import model as model_lib
from sim.lm import programs, programs_lang, tasks
from sim.lm import task as task_lib
from sim.lm.data import LABEL_KINDS
from sim.lm.strategy import FILTERS, LABELERS, STRATEGIES
from sim.types import RANGES, Range

POSITIVE = Range(0.0, math.inf, lo_open=True, hi_open=True)  # (0, inf): finite and > 0
STEPS = integers(1, 1_000_000)


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
    The task is the `task` option (`sim.lm.tasks`): `addition` (the default) or `programs`
    (write a program of a tiny digit language from `visible_examples` input->output examples,
    checked on the hidden inputs; the filter of the arms that filter, with `filter=task`, is the
    visible examples, whose false-positive rate is measured). Preset `programs-tiny` is `tiny`
    for programs; `--set task=programs` on another preset keeps that preset's sizes.
    Command: python -m experiments run testbed [--preset default|paper|gpu|programs-tiny|
    programs-default|programs-gpu]
    """

    task: str = opt(
        tasks.DEFAULT,
        form="addition | programs (or a task added with sim.lm.tasks.register_task)",
        doc="the verifiable task: addition (n-digit sums) or programs (a toy of MBPP: programs "
        "checked by tests); docs/tasks.md",
    )
    # task: addition of two n-digit numbers, n = 1..max_digits
    max_digits: int = opt(
        5,
        range=integers(2, task_lib.MAX_DIGITS),
        doc="the task: sums of two n-digit numbers, n = 1..max_digits",
    )
    max_program_len: int = opt(
        4,
        range=integers(2, programs_lang.MAX_LEN),
        doc="task=programs: hidden functions whose shortest program has n = 1..max_program_len "
        "ops (the difficulties)",
    )
    visible_examples: int = opt(
        3,
        range=integers(1, programs_lang.MODULUS - 1),
        doc="task=programs: V input->output examples in each prompt, which the task's filter "
        "checks; the other 10 - V digits are the hidden tests (fewer: more false positives)",
    )
    disjoint: str = opt(
        "problems",
        choices=programs.DISJOINT,
        doc="task=programs: what the seed, train and test sets never share: problems (a hidden "
        "function may recur shown on other inputs, as addition's digits recur) or functions (every "
        "test function is new, as MBPP's tasks; the tiny model then learns nothing: docs/tasks.md)",
    )
    # With 165 steps of 64 a round is about one pass over the accepted samples, as in the paper;
    # with few prompts and several passes the model memorises its training prompts instead.
    n_train_prompts: int = opt(2048, range=PROMPTS, doc="X, the round's prompts (the paper: 7000)")
    # large, so that the test set's sampling error (~0.007 at 4096) is well below the spread
    # over seeds
    n_test_prompts: int = opt(
        4096, range=PROMPTS, doc="held-out prompts, uniform over difficulties"
    )
    data_seed: int = opt(0, range=SEED, doc="train, test and seed sets are fixed by this seed")
    # base model: pre-trained from scratch on a seed set, once per config, then fixed
    seed_difficulty: tuple[float, ...] = opt(
        (0.5, 0.3, 0.17, 0.03, 0.0),
        range=Range(0.0, math.inf, hi_open=True),
        doc="the seed set's weights of difficulty n = 1..D (D values, not all 0; D = max_digits, "
        "or max_program_len for programs)",
    )
    n_seed_examples: int = opt(3000, range=PROMPTS, doc="examples of the seed set")
    model_size: str = opt("tiny", choices=model_lib.SIZES, doc="the transformer's size")
    base_steps: int = opt(1500, range=STEPS, doc="pre-training steps of the base model")
    base_lr: float = opt(1e-3, range=POSITIVE, doc="pre-training learning rate")
    base_seed: int = opt(0, range=SEED, doc="seed of the base model's initialisation and batches")
    # the round (framework §3)
    rounds: int = opt(5, range=ROUNDS, doc="T, the number of rounds")
    samples_per_prompt: int = opt(8, range=PER_PROMPT, doc="k, samples drawn per prompt")
    temperature: float = opt(1.0, range=POSITIVE, doc="sampling temperature of the generator")
    filter: str = opt("gamma", choices=FILTERS, doc="the filter of strategies that filter")
    gamma: float = opt(
        0.1,
        range=RANGES["gamma"],
        doc="false-positive rate of the gamma-noisy filter (c = 1, d = gamma)",
    )
    filter_tpr: float = opt(1.0, range=RANGES["filter_tpr"], doc="c of the general filter")
    filter_fpr: float = opt(0.1, range=RANGES["filter_fpr"], doc="d of the general filter")
    beta: float = opt(
        0.3,
        range=RANGES["beta"],
        doc="the weak labeler's correct rate (on 1-digit sums when beta_hard is set)",
    )
    # Quality by difficulty (framework §8) with a_0 read as 1 - (n - 1)/(max_digits - 1) for
    # n-digit sums: the labeler's rate falls linearly from beta (1 digit) to beta_hard (the
    # hardest), the filter's false-positive rate moves from gamma to gamma_hard.
    beta_hard: float | None = opt(
        None,
        range=RANGES["beta_hard"],
        unset="beta on every difficulty",
        doc="the labeler's correct rate on the hardest sums (framework §8)",
    )
    gamma_hard: float | None = opt(
        None,
        range=RANGES["gamma_hard"],
        unset="gamma on every difficulty",
        doc="the filter's false-positive rate on the hardest sums (framework §8)",
    )
    alpha: float = opt(
        1.0 / 3.0,
        range=RANGES["alpha"],
        doc="weak data's share of the training mixture (paper: 1/3)",
    )
    label_budget: int = opt(
        1024,
        range=integers(0, MAX_SEED),
        doc="B, labels per round (default: 256 prompts x 4, below the hard set of ~375)",
    )
    labels_per_prompt: int = opt(4, range=PER_PROMPT, doc="m, labels per labelled prompt")
    labeler: str = opt(
        "stochastic",
        choices=LABELERS,
        doc="the weak labeler: stochastic, adversarial (C5), or base: base-model samples (the "
        "paper)",
    )
    # See the README for why "random" is the default.
    wrong_labels: str = opt(
        "random",
        choices=LABEL_KINDS,
        doc="a wrong weak label: a random wrong answer of the right length (no signal), another "
        "problem's right answer (shuffled), one carry mistake (near), or none (abstain: the "
        "label is still paid for)",
    )
    wrong_spread: float = opt(
        0.0,
        range=RANGES["wrong_spread"],
        doc="share of wrong labels that are fresh (0: one wrong answer per prompt, reused)",
    )
    filter_labels: bool = opt(
        False,
        doc='pass every arm\'s weak labels through the filter ("Boosting (A)"; '
        "boosting-checked always does)",
    )
    restart: bool = opt(
        False, doc="fine-tune each round from the base model instead of the last one"
    )
    steps_per_round: int = opt(
        165, range=STEPS, doc="fine-tuning steps per round (the paper: 330 of batch 64)"
    )
    batch_size: int = opt(64, range=integers(1, 2**16), doc="fine-tuning batch size")
    lr: float = opt(3e-4, range=POSITIVE, doc="fine-tuning learning rate")
    weight_decay: float = opt(
        0.0,
        range=Range(0.0, math.inf, hi_open=True),
        doc="AdamW weight decay (base model and fine-tuning)",
    )
    # what to run
    strategies: tuple[str, ...] = opt(
        (
            "do-nothing",
            "filter-only",
            "weak-only",
            "boosting",
            "boosting-checked",
            "boosting-uniform",
            "oracle",
        ),
        choices=STRATEGIES,
        distinct=True,
        doc="the arms run, each with every seed",
    )
    seeds: int = opt(5, range=SEEDS, doc="seeds of each strategy")
    # ~1024 is fastest on a CPU
    sample_chunk: int = opt(
        1024,
        range=integers(1, 2**20),
        doc="sequences decoded per jitted call and member (bounds memory)",
    )

    def __post_init__(self):
        validate(self)

    @property
    def difficulties(self) -> int:
        """D: the task's difficulties are 1..D."""
        return tasks.get_task(self.task).difficulties(self)


def validate(c: TestbedConfig) -> None:
    """Raises ValueError naming the first bad option and its valid range: the declared ones,
    then what involves several options."""
    spec.check(c)
    if c.task not in tasks.task_names():
        raise OptionError(f"task must be one of {tasks.task_names()}; got {c.task!r}")
    w = c.seed_difficulty
    d = c.difficulties
    if len(w) != d or not sum(w) > 0:
        size = "max_digits" if c.task == tasks.DEFAULT else f"the difficulties of task {c.task}"
        raise OptionError(
            f"seed_difficulty must be a tuple of {d} ({size}) non-negative "
            f"weights, not all zero; got {w!r}"
        )
    if c.filter == "task" and not tasks.get_task(c.task).has_filter:
        raise OptionError(
            f"filter=task needs a task with its own filter; task {c.task!r} has none, so filter "
            f"must be one of {[f for f in FILTERS if f != 'task']}"
        )


def replace(config: TestbedConfig, **changes) -> TestbedConfig:
    """A copy with `changes` (validated), naming an unknown option in the error."""
    fields = {f.name for f in dataclasses.fields(TestbedConfig)}
    for key in changes:
        if key not in fields:
            raise ValueError(f"unknown option {key!r}; valid options: {sorted(fields)}")
    return dataclasses.replace(config, **changes)
