"""Claim C8: weak labels at the level of tokens (docs/framework.md §9), closed forms in NumPy.

One prompt's answer has L tokens; the model is a product of per-position categoricals with
per-token accuracy a_l (the probability of the right token at position l), so the whole answer is
right with probability A = prod_l a_l and E = 1 - A is its error. The verifier checks whole
answers and is gamma-noisy (c = 1, d = gamma). A beta-weak labeler's label is right as a whole
with probability beta; a wrong label has position l right with probability rho_l, so a label has
position l right with probability q_l = beta + (1 - beta) rho_l. The *factored* learner fits each
position's marginal of the training data (expected mode); the *strong* learner fits whole answers
and obeys C3 whatever rho is.

Float64 NumPy throughout (modules `labels`, `replace`, `population`). Token-level arrays (a, q,
rho) have positions on the last axis, [..., L]; answer-level ones (beta, gamma, kept, alpha)
have the leading shape [...] or are scalars. Labels may be filtered ("checked") before training:
`kept` is then the share of labels that survive and q the per-token accuracy of the survivors
(`checked_labels`). Bad input raises ValueError naming the argument and its range.
"""

from theory.tokens.labels import (
    accepted_token_accuracy,
    break_even_beta,
    break_even_beta_checked,
    break_even_beta_whole,
    checked_labels,
    label_token_accuracy,
    whole_answer,
)
from theory.tokens.population import MIXTURES, global_update, pooled_update, population_update
from theory.tokens.replace import (
    contraction_rate,
    converges_to_one,
    fixed_point,
    fixed_point_positions,
    interior_error,
    iterate,
    replace_update,
    threshold_q,
    wrong_tokens_per_label,
)

__all__ = [
    "MIXTURES",
    "accepted_token_accuracy",
    "break_even_beta",
    "break_even_beta_checked",
    "break_even_beta_whole",
    "checked_labels",
    "contraction_rate",
    "converges_to_one",
    "fixed_point",
    "fixed_point_positions",
    "global_update",
    "interior_error",
    "iterate",
    "label_token_accuracy",
    "pooled_update",
    "population_update",
    "replace_update",
    "threshold_q",
    "whole_answer",
    "wrong_tokens_per_label",
]
