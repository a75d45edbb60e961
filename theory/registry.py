"""The claim registry: each claim of docs/framework.md §5 and §9 with its functions, tests and
figure."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim: what it says, where it is computed, tested and shown.

    `tests` are pytest node ids (file::function); `tests/theory/test_registry.py` checks that
    each one exists, so the table cannot point at a test that was renamed or removed.
    """

    id: str
    title: str
    statement: str
    functions: tuple[str, ...]
    tests: tuple[str, ...]
    figure: str


_CF = "theory.closed_forms."
_DF = "theory.difficulty."  # §8: the same claims per prompt, quality depending on difficulty
_CAL = "theory.calibration."
_TK = "theory.tokens."
_T_CF = "tests/theory/test_closed_forms.py::"
_T_DF = "tests/theory/test_difficulty.py::"
_T_CAL = "tests/theory/test_calibration.py::"
_T_TK = "tests/theory/test_tokens.py::"
_T_SIM = "tests/sim/test_claims.py::"
_T_PROP = "tests/sim/test_properties.py::"

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "C1",
        "No curation is neutral, then collapses",
        "Do-nothing, sampled: a_{t+1} ~ Binomial(k, a_t)/k. E[a_t] = a_0; "
        "E[a_t(1-a_t)] = a_0(1-a_0)(1-1/k)^t; absorbed at 1 w.p. a_0; entropy -> 0. "
        "Expected mode: a_t = a_0.",
        (
            _CF + "c1_mean_accuracy",
            _CF + "c1_heterozygosity",
            _CF + "c1_fixation_probability",
            _CF + "c1_transition_matrix",
        ),
        (
            _T_CF + "test_c1_transition_matrix_moments",
            _T_SIM + "test_c1_expected_is_neutral",
            _T_SIM + "test_c1_sampled_heterozygosity_and_law",
            _T_SIM + "test_c1_fixation_and_entropy",
            _T_PROP + "test_c1_property",
        ),
        "fig4",
    ),
    Claim(
        "C2",
        "Filter-only plateaus",
        "Filter (c, d), no weak data: odds_{t+1} = (c/d) odds_t (expected). A prompt with "
        "a_0 = 0 is never solved: lim A <= D{a_0 > 0}. Sampled with d > 0: prompts can be lost.",
        (
            _CF + "c2_filter_only_accuracy",
            _CF + "c2_accuracy_ceiling",
            _CF + "odds",
            _CAL + "no_success_share",
        ),
        (
            _T_CF + "test_c2_matches_recursion",
            _T_CAL + "test_pass_at_k_matches_quadrature_and_product",
            _T_SIM + "test_c2_expected_odds",
            _T_SIM + "test_c2_sampled_never_solves_zero_and_loses",
            _T_PROP + "test_c2_property",
        ),
        "fig1",
    ),
    Claim(
        "C3",
        "Boosting converges at a rate set by beta and gamma",
        "Replace mixture, focused, stochastic labeler: a_{t+1} = c a_t + R_t b; "
        "a_t = a* + (a_0 - a*) rho^t, rho = c(1-b) + d b. c = 1: e_t = e_0(1-(1-d)b)^t "
        "<= e_0 exp(-(1-gamma) beta t) on every prompt; sampled mode has the same mean.",
        (
            _CF + "c3_rate",
            _CF + "c3_fixed_point",
            _CF + "c3_accuracy",
            _CF + "c3_error",
            _CF + "c3_error_bound",
            _CF + "c3_rounds_to_epsilon",
            _DF + "error",
            _DF + "mean_error",
            _DF + "rounds_to_delta",
            _DF + "rounds_to_mean_error",
        ),
        (
            _T_CF + "test_c3_closed_form_matches_recursion",
            _T_DF + "test_error_matches_per_prompt_recursion",
            _T_DF + "test_mean_error_is_a_mixture_of_geometric_rates",
            _T_DF + "test_rounds_to_delta_matches_brute_force",
            _T_DF + "test_rounds_to_mean_error_matches_brute_force",
            _T_SIM + "test_c3_expected_closed_form",
            _T_SIM + "test_c3_rate_slope",
            _T_SIM + "test_c3_sampled_mean",
            _T_PROP + "test_c3_property",
        ),
        "fig1, fig2, fig3",
    ),
    Claim(
        "C4",
        "A filter that drops correct answers caps accuracy",
        "C3 with c < 1: a_t -> a* < 1, e* = (1-c)(1-b) / [(1-c)(1-b) + b(1-d)].",
        (_CF + "c4_error_floor", _CF + "c3_fixed_point", _DF + "error_floor"),
        (
            _T_CF + "test_c4_floor_is_fixed_point",
            _T_DF + "test_error_matches_per_prompt_recursion",
            _T_SIM + "test_c4_expected_floor",
            _T_PROP + "test_c4_property",
        ),
        "fig3",
    ),
    Claim(
        "C5",
        "Focus is necessary against a weak labeler",
        "Adversarial distributional labeler: focused U_{t+1} <= (1-beta) U_t, "
        "U_T <= U_0 e^{-theta T}; uniform with the same budget stalls once the solved mass "
        "reaches beta.",
        (
            _CF + "c5_theta",
            _CF + "c5_focused_unsolved",
            _CF + "c5_uniform_unsolved",
            _CF + "c5_rounds_to_epsilon",
        ),
        (
            _T_SIM + "test_c5_focused_bound_and_uniform_stall",
            _T_SIM + "test_c5_sampled",
            _T_PROP + "test_c5_property",
        ),
        "fig5",
    ),
    Claim(
        "C6",
        "Weak data without a filter stops at the labeler's quality",
        "Weak-only, labels on every prompt, weight alpha: a_{t+1} = (1-alpha) a_t + alpha b -> b.",
        (_CF + "c6_weak_only_accuracy",),
        (
            _T_CF + "test_c6_matches_recursion",
            _T_SIM + "test_c6_expected",
            _T_PROP + "test_c6_property",
        ),
        "fig1",
    ),
    Claim(
        "C7",
        "Amplification",
        "Once a_t(x) > 0, each filter round multiplies the odds by c/d >= 1/gamma: e <= delta "
        "after log(odds_target/odds_t)/log(1/gamma) rounds; with C5, about "
        "ln(1/eps)/theta + log(1/delta)/log(1/gamma) rounds to the (eps, delta) criterion.",
        (_CF + "c7_rounds_to_delta", _CF + "c7_total_rounds", _DF + "rounds_to_eps_delta"),
        (
            _T_DF + "test_rounds_to_eps_delta_matches_brute_force",
            _T_DF + "test_eps_delta_is_governed_by_the_worst_prompts",
            _T_SIM + "test_c7_rounds_to_delta",
            _T_SIM + "test_c7_eps_delta_with_perfect_filter",
            _T_PROP + "test_c7_property",
        ),
        "fig2, fig5",
    ),
    Claim(
        "C8",
        "Weak labels at the level of tokens",
        "Answers of L tokens, gamma-noisy whole-answer filter, a label right as a whole w.p. beta "
        "and a wrong label right at position l w.p. rho_l, so q_l = beta + (1-beta) rho_l. "
        "Factored learner, replace mixture: eps_l' = gamma eps_l + (1-gamma)(1-q_l)(1-A), "
        "A = prod a_l. a = 1 attracts every start (rate gamma + (1-gamma) sum(1-q_l)) iff "
        "(1-beta) sum_l (1-rho_l) < 1 (uniform: q > 1 - 1/L); otherwise every start < 1 goes to "
        "the interior point 1 - E* = prod(1 - (1-q_l) E*), independent of gamma. Checked labels: "
        "gamma (1-beta) sum(1-rho_l) < 1. On a hard prompt labels help iff beta > "
        "(s - rho)/(1 - rho) (checked: gamma (s-rho)/((1-s) + gamma (s-rho))). A strong learner "
        "follows C3 whatever rho.",
        (
            _TK + "label_token_accuracy",
            _TK + "checked_labels",
            _TK + "whole_answer",
            _TK + "accepted_token_accuracy",
            _TK + "replace_update",
            _TK + "wrong_tokens_per_label",
            _TK + "converges_to_one",
            _TK + "threshold_q",
            _TK + "contraction_rate",
            _TK + "interior_error",
            _TK + "fixed_point_positions",
            _TK + "fixed_point",
            _TK + "population_update",
            _TK + "global_update",
            _TK + "pooled_update",
            _TK + "break_even_beta",
            _TK + "break_even_beta_checked",
            _TK + "break_even_beta_whole",
        ),
        (
            _T_TK + "test_replace_update_matches_enumeration",
            _T_TK + "test_strong_learner_is_c3_whatever_rho",
            _T_TK + "test_l1_is_c3",
            _T_TK + "test_issue_numbers_and_uniform_fixed_point_equation",
            _T_TK + "test_threshold_crossed_both_ways",
            _T_TK + "test_exact_threshold_converges_like_one_over_t",
            _T_TK + "test_limit_is_the_fixed_point",
            _T_TK + "test_one_slip_near_miss_converges_for_any_beta_random_needs_more",
            _T_TK + "test_population_and_pooled_match_enumeration",
            _T_TK + "test_global_update_is_the_homogeneous_population",
            _T_TK + "test_pooling_at_tau_one_makes_one_table_per_class",
            _T_TK + "test_wrong_labels_on_hard_prompts_lower_easy_prompts_when_shared",
            _T_TK + "test_break_even_beta_sets_the_sign_of_the_labels_effect",
            _T_TK + "test_break_even_beta_whole",
        ),
        "fig12",
    ),
)


def claim(claim_id: str) -> Claim:
    for c in CLAIMS:
        if c.id == claim_id:
            return c
    raise ValueError(f"claim must be one of {[c.id for c in CLAIMS]}; got {claim_id!r}")


def table() -> str:
    """The registry as a plain-text table (`python -m experiments claims`)."""
    lines = []
    for c in CLAIMS:
        lines.append(f"{c.id}  {c.title}   [figure: {c.figure}]")
        lines.append(f"    {c.statement}")
        lines.append("    functions: " + ", ".join(f.split(".")[-1] for f in c.functions))
        lines.append("    tests:     " + ", ".join(t.split("::")[-1] for t in c.tests))
        lines.append("")
    return "\n".join(lines)
