"""The paper's reported numbers (docs/framework.md §6): reference lines at another scale, never
targets. GSM8K test accuracy, Gemma 2 2B base, 5 rounds, k = 8, alpha = 1/3, mean of 3 seeds."""

SOURCE = "paper's Table 1 (GSM8K, Gemma 2 2B, 3 seeds; another scale)"

# strategy -> (accuracy, +- as reported; None where no interval was given). The paper's
# "Boosting (A)" keeps the labeler's answers that pass the verifier: this project's
# `boosting-checked` arm. Unchecked `boosting` (the theory's C3 arm) has no paper number.
TABLE1 = {
    "base": (0.222, None),
    "do-nothing": (0.129, None),
    "filter-only": (0.393, 0.020),
    "boosting-checked": (0.456, 0.010),
}
