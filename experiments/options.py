"""`python -m experiments options NAME`: every --set key with its type, default, range, meaning."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing

from experiments.configs import sim as sim_config
from sim import filters
from sim.strategies import ALLOCATION_NAMES
from sim.strategies import PRESETS as STRATEGY_PRESETS
from sim.table.token_task import WRONG_KINDS
from sim.types import RANGES

# Choices of the string options (each config's __post_init__ checks the same lists).
CHOICES = {
    "strategy": sorted(STRATEGY_PRESETS),
    "task": list(sim_config.TASKS),
    "mode": ["expected", "sampled"],
    "labeler": ["stochastic", "adversarial", "base (task=table)"],
    "learner": ["strong", "partial (task=table)", "sgd (task=table)", "factored (task=tokens)"],
    "wrong_labels": list(WRONG_KINDS),
    "filter": sorted(filters.NAMED) + ["auto (the strategy's)"],
    "allocation": list(ALLOCATION_NAMES) + ["auto (the strategy's)"],
    "mixture": ["replace", "global", "accumulate"] + ["auto (the strategy's)"],
}
# Ranges and meanings the field comments and RANGES do not give: (range, meaning).
EXTRA = {
    "strategy": ("", "a named strategy (framework §4): fills filter, allocation and mixture"),
    "mode": ("", "expected: each random draw by its expectation; sampled: explicit draws"),
    "task": (
        "",
        "table: whole responses, a [P, V] table; tokens: answers of answer_length tokens over "
        "alphabet symbols, per-position [P, L, A] (docs/tokens.md)",
    ),
    "answer_length": ("", "L, tokens per answer (task=tokens)"),
    "alphabet": ("", "A, symbols per token (task=tokens)"),
    "wrong_labels": (
        "",
        "task=tokens: a wrong label is a near miss (one position wrong), a uniformly random "
        "wrong answer, or another prompt's right answer (shuffled)",
    ),
    "share": (
        "[0, 1]",
        "task=tokens: tau, after each fit p(x) = (1 - tau) fit(x) + tau pooled fit of its class",
    ),
    "n_classes": ("[1, n_prompts]", "task=tokens: classes of prompts sharing (by base accuracy)"),
    "rounds": ("", "T, the number of rounds"),
    "n_prompts": ("", "P, the number of prompts"),
    "n_responses": ("", "V, the number of responses per prompt"),
    "n_correct": ("", "|G(x)|, the correct responses per prompt (< n_responses)"),
    "filter": ("", "the filter's kind (framework §3); unset: the strategy's"),
    "labeler": ("", "the weak labeler's kind (framework §3)"),
    "allocation": ("", "where the label budget goes (framework §3); unset: the strategy's"),
    "mixture": ("", "how accepted samples and weak labels are mixed; unset: the strategy's"),
    "learner": (
        "",
        "how the model fits the mixture (framework §3); task=tokens: strong fits whole answers, "
        "factored per-position marginals",
    ),
    "base_accuracy_mean": ("(0, 1)", ""),
    "frac_unsolvable": ("[0, 1]", ""),
    "base_accuracy_concentration": ("(0, 1e6]", ""),
    "wrong_concentration": ("(0, 1e6]", ""),
    "arms": ("strategy names, each optionally with key=value (comma-separated)", "the arms drawn"),
    "betas": ("values in (0, 1)", "the labeler qualities beta of the grid"),
    "gammas": ("values in [0, 1)", "the filter false-positive rates gamma of the grid"),
    "eps": ("(0, 1)", "the target error epsilon"),
    "amp_accuracies": ("values in (0, 1)", "C7 panel: the base accuracies a0"),
    "amp_gammas": ("values in (0, 1)", "C7 panel: the filter's gammas"),
    "amp_delta": ("(0, 1)", "C7 panel: the target error delta"),
    "grid": ("[2, 1024]", "points per axis of each grid"),
    "beta_span": ("two increasing values in (0, 1]", "the beta axis of the grids"),
    "gamma_span": ("two increasing values in [0, 1)", "the gamma axis of the (beta, gamma) grid"),
    "c_span": ("two increasing values in (0, 1]", "the c axis of the (beta, c) grid"),
    "d": ("[0, 1)", "the filter's false-positive rate in the (beta, c) grid"),
    "limit_rounds": ("[1, 100000]", "rounds of the (beta, c) grid"),
    "slice_betas": ("values", "betas of the slices of the (beta, c) grid"),
    "ks": ("integers in [1, 65536]", "the samples per prompt k of each arm"),
    "base_accuracy": ("(0, 1)", "every prompt's base accuracy a0"),
    "accumulate": ("true | false", "also draw the accumulate arm (keeps all data)"),
    "unsolved": ("(0, 1]", "U0: share of prompts the base model never solves"),
    "eps_betas": ("values in (0, 1)", "betas of the (eps, delta) panel"),
    "eps_gammas": ("values in [0, 1)", "gammas of the (eps, delta) panel"),
    "eps_rounds": ("[1, 100000]", "rounds of the (eps, delta) panel"),
    "budgets": ("values > 0", "label budgets, as shares of n_prompts x labels_per_prompt"),
    "base_accuracy_means": ("values in (0, 1)", "the grid's mean base accuracies"),
    "frac_unsolvables": ("values in [0, 1]", "the grid's shares of never-solved prompts"),
}


def _comments(cls) -> dict[str, str]:
    """Field name -> its trailing `# comment` in the class source."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    found = re.findall(r"^\s{4}(\w+):[^#\n]*#\s*(.+)$", source, flags=re.M)
    return dict(found)


def _type(annotation) -> str:
    text = str(annotation).replace("typing.", "")
    return text if not isinstance(annotation, type) else annotation.__name__


def _range(name: str, annotation) -> str:
    if name in RANGES:
        lo, hi, lo_open, hi_open = RANGES[name]
        return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if name in sim_config.INT_RANGES:
        return "[{}, {}]".format(*sim_config.INT_RANGES[name])
    if name in CHOICES:
        return " | ".join(CHOICES[name])
    if name in EXTRA:
        return EXTRA[name][0]
    return "true | false" if annotation is bool else "any"


def describe(config) -> list[dict[str, str]]:
    """One row per --set key of `config` (its own fields, then its base simulation's)."""
    rows = []
    parts = [config] + ([config.base] if hasattr(config, "base") else [])
    for part in parts:
        hints = typing.get_type_hints(type(part))
        comments = _comments(type(part))
        for f in dataclasses.fields(part):
            if f.name == "base":
                continue
            meaning = EXTRA.get(f.name, ("", ""))[1] or comments.get(f.name, "")
            rows.append(
                dict(
                    key=f.name,
                    type=_type(hints[f.name]),
                    default=repr(getattr(part, f.name)),
                    range=_range(f.name, hints[f.name]),
                    meaning=meaning,
                )
            )
    return rows


def table(config) -> str:
    rows = describe(config)
    width = max(len(r["key"]) for r in rows)
    lines = []
    for r in rows:
        lines.append(f"{r['key']:{width}s}  {r['type']}, default {r['default']}, in {r['range']}")
        if r["meaning"]:
            lines.append(f"{'':{width}s}  {r['meaning']}")
    return "\n".join(lines)
