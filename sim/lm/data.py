"""The testbed's problem sets: seed, train and test disjoint as problems, and kinds of wrong label.

A problem is an unordered pair {a, b} of n-digit operands: `a+b` and `b+a` are the same problem
and never appear in two sets. Sets are drawn per difficulty:

- where the distinct problems of a difficulty are plentiful (more than `_PLENTY` times the
  demand of the three sets), each set draws fresh problems by rejection, so every problem in
  every set is distinct;
- otherwise (1-digit sums: 55 problems; 2-digit: 4095) the problems are enumerated, shuffled
  and split between the sets in proportion to their demand (at least one each); a set then draws
  without replacement from its share while it lasts and with replacement beyond. Sets stay
  disjoint; a small difficulty's test prompts are few distinct problems, repeated.

Each problem's operands are shown in a random order.
"""

from __future__ import annotations

import numpy as np

from sim.lm import task

SETS = ("seed", "train", "test")
WRONG_KINDS = ("near", "random", "shuffled")
# What a weak labeler gives when it is wrong: an answer of a `WRONG_KINDS` kind, or nothing
# ("abstain": silent, the label is still paid for: the limit of checking with a perfect verifier).
LABEL_KINDS = (*WRONG_KINDS, "abstain")
_PLENTY = 20


def _range(n: int) -> tuple[int, int]:
    return (0, 10) if n == 1 else (10 ** (n - 1), 10**n)


def n_problems(n: int) -> int:
    """Distinct unordered problems {a, b} with n-digit operands."""
    lo, hi = _range(n)
    r = hi - lo
    return r * (r + 1) // 2


def _enumerate(n: int) -> np.ndarray:
    lo, hi = _range(n)
    a, b = np.triu_indices(hi - lo)
    return np.stack([a + lo, b + lo], axis=1).astype(np.int64)  # [M, 2], a <= b


def _split(demand: list[int], pool: int) -> list[int]:
    """Shares of a pool of `pool` problems in proportion to `demand`, each >= 1 when demanded,
    summing to `pool`: every problem goes to some set (largest remainders get the rest)."""
    want = np.asarray(demand, np.float64)
    if pool < np.count_nonzero(want):
        raise ValueError(f"only {pool} distinct problems for {np.count_nonzero(want)} sets")
    exact = pool * want / want.sum()
    share = np.where(want > 0, np.maximum(1, np.floor(exact)), 0).astype(int)
    while share.sum() > pool:  # rounding up the small sets may overshoot
        share[np.argmax(share)] -= 1
    for i in np.argsort(-(exact - np.floor(exact)), kind="stable"):  # rounding down leaves some
        if share.sum() == pool:
            break
        if want[i] > 0:
            share[i] += 1
    return share.tolist()


def draw_pairs(counts: dict[str, np.ndarray], max_digits: int, rng) -> dict[str, np.ndarray]:
    """Operand pairs per set: `counts[set][n - 1]` problems of difficulty n, disjoint across sets.

    Returns:
      {set: [N, 2] int64 (a, b)}, ordered by difficulty within a set.
    """
    out = {s: [] for s in counts}
    for n in range(1, max_digits + 1):
        demand = [int(counts[s][n - 1]) for s in counts]
        if not sum(demand):
            continue
        if n_problems(n) > _PLENTY * sum(demand):
            lo, hi = _range(n)
            used: set[tuple[int, int]] = set()
            for s, want in zip(counts, demand, strict=True):
                got = []
                while len(got) < want:
                    a, b = (int(x) for x in rng.integers(lo, hi, size=2))
                    key = (min(a, b), max(a, b))
                    if key not in used:
                        used.add(key)
                        got.append((a, b))
                out[s].append(np.asarray(got, np.int64).reshape(-1, 2))
            continue
        pool = _enumerate(n)[rng.permutation(n_problems(n))]
        start = 0
        for s, want, share in zip(counts, demand, _split(demand, len(pool)), strict=True):
            mine, start = pool[start : start + share], start + share
            idx = np.concatenate(
                [
                    rng.permutation(share)[: min(want, share)],
                    rng.integers(0, share, max(0, want - share)),
                ]
            ).astype(int)
            pairs = mine[idx]
            flip = rng.random(len(pairs)) < 0.5
            out[s].append(np.where(flip[:, None], pairs[:, ::-1], pairs))
    return {s: np.concatenate(v) if v else np.zeros((0, 2), np.int64) for s, v in out.items()}


def counts_per_difficulty(n: int, weights, rng) -> np.ndarray:
    """How many of `n` problems have each difficulty, drawn from `weights`. [D]"""
    w = np.asarray(weights, np.float64)
    return np.bincount(rng.choice(len(w), size=n, p=w / w.sum()), minlength=len(w))


def wrong_sums(a: np.ndarray, b: np.ndarray, n: np.ndarray, kind: str, rng) -> np.ndarray:
    """A wrong sum per problem, of the given kind (always different from a + b).

    near: one carry dropped, or a spurious one added (a single-digit slip: partial signal);
    random: a uniformly random number with as many digits as the true sum, not the sum;
    shuffled: the true sum of another problem of the same difficulty in the set, not this sum.
    """
    total = a + b
    if kind == "near":
        return task.carry_mistake(a, b, n, rng)
    if kind == "random":
        width = np.array([len(str(int(t))) for t in total])
        lo = np.where(width == 1, 0, 10 ** (width - 1))
        wrong = rng.integers(lo, 10**width)
        for i in np.flatnonzero(wrong == total):  # resample the rare hit
            while wrong[i] == total[i]:
                wrong[i] = rng.integers(lo[i], 10 ** width[i])
        return wrong
    if kind == "shuffled":
        wrong = total.copy()
        for d in np.unique(n):
            idx = np.flatnonzero(n == d)
            other = idx[rng.permutation(len(idx))]
            wrong[idx] = total[other]
        # a hit (another problem with the same sum) takes the next differing sum of its difficulty
        for i in np.flatnonzero(wrong == total):
            same = np.flatnonzero((n == n[i]) & (total != total[i]))
            wrong[i] = total[rng.choice(same)] if len(same) else total[i] + 1
        return wrong
    raise ValueError(f"wrong_labels must be one of {list(WRONG_KINDS)}; got {kind!r}")


def make_sets(
    sizes: dict[str, int],
    weights: dict[str, tuple[float, ...]],
    *,
    max_digits: int,
    wrong_labels: str,
    seed: int,
) -> dict[str, task.Problems]:
    """The seed, train and test sets, disjoint as problems, fixed by `seed`.

    Args:
      sizes: problems per set; weights: difficulty weights per set (one per 1..max_digits).
      wrong_labels: the kind of wrong answer stored with each problem (`WRONG_KINDS`).
    """
    if wrong_labels not in WRONG_KINDS:
        raise ValueError(f"wrong_labels must be one of {list(WRONG_KINDS)}; got {wrong_labels!r}")
    rng = np.random.default_rng(seed)
    rng_wrong = np.random.default_rng((seed, 1))  # the sets do not depend on the wrong kind
    counts = {s: counts_per_difficulty(sizes[s], weights[s], rng) for s in sizes}
    pairs = draw_pairs(counts, max_digits, rng)
    out = {}
    for s in sizes:
        a, b = pairs[s][:, 0], pairs[s][:, 1]
        n = np.repeat(np.arange(1, max_digits + 1), counts[s])
        order = rng.permutation(len(a))
        a, b, n = a[order], b[order], n[order]
        out[s] = task.problems_from(
            a, b, n, max_digits, wrong_sums(a, b, n, wrong_labels, rng_wrong)
        )
    return out


def wrong_bank(p: task.Problems, *, size: int, kind: str, seed: int) -> np.ndarray:
    """Wrong answers for the weak labeler, per prompt and kind: [N, K, size, La] int32 tokens.

    Kind index follows `WRONG_KINDS`. Slot 0 is the prompt's one consistent wrong answer: for
    the set's own kind (`kind`, the config's `wrong_labels`) it is `p.wrong`, so a run with
    `wrong_spread = 0` labels exactly as before; for the other kinds a draw of their own. Slots
    1.. are fresh wrong answers of the same kind, drawn independently (a fresh label uses a new
    slot; two slots can still hold the same sum where the kind has few candidates, e.g. 1-digit
    random sums). Deterministic in `seed`.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1; got {size!r}")
    n = np.asarray(p.difficulty).astype(np.int64)
    la = p.answers.shape[1]
    max_digits = la - 2
    out = np.empty((len(n), len(WRONG_KINDS), size, la), np.int32)
    for k, name in enumerate(WRONG_KINDS):
        rng = np.random.default_rng((seed, 2, k))
        for slot in range(size):
            if slot == 0 and name == kind:
                out[:, k, 0] = np.asarray(p.wrong)
                continue
            out[:, k, slot] = task.answer_tokens(wrong_sums(p.a, p.b, n, name, rng), max_digits)
    return out


def problem_keys(p: task.Problems) -> set[tuple[int, int]]:
    """The problems of a set as unordered operand pairs (to check disjointness)."""
    return {(min(int(x), int(y)), max(int(x), int(y))) for x, y in zip(p.a, p.b, strict=True)}


def prompt_strings(p: task.Problems) -> list[str]:
    """The prompts exactly as the model reads them, e.g. "00012+00345="."""
    return [task.decode(row) for row in np.asarray(p.prompts)]
