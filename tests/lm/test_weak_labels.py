"""The testbed's weak labels as per-member choices: checked labels (Boosting (A)), consistent
and fresh wrong answers, the abstaining labeler, and the token-level measurements, against
counts and hand-computed cases."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim.lm import data, task
from sim.lm import round as round_lib
from sim.lm.task_impls import device_problems
from sim.types import make_params

P, K, M, D, T = 400, 4, 4, 3, 3
LA = task.answer_len(D)


@pytest.fixture(scope="module")
def sets():
    sizes = {"seed": 10, "train": P, "test": 10}
    return data.make_sets(
        sizes, {s: (1, 1, 1) for s in sizes}, max_digits=D, wrong_labels="random", seed=1
    )


@pytest.fixture(scope="module")
def problems(sets):
    bank = data.wrong_bank(sets["train"], size=1 + M * T, kind="random", seed=1)
    return device_problems(sets["train"], bank)


def _curate(problems, kind="random", spread=0.0, check=False, *, gamma=0.2, beta=0.3, key=0, rnd=0):
    """Every sample wrong (the near-miss answer of each prompt): with focused allocation, the
    hard set is the prompts whose k samples the gamma-noisy filter all rejected."""
    samples = jnp.broadcast_to(problems.wrong[:, 0, 0][:, None], (P, K, LA))
    roles = round_lib.Roles(
        allocation=jnp.int32(round_lib.ALLOCATION_NAMES.index("focused")),
        mixture=jnp.int32(round_lib.MIXTURE_NAMES.index("global")),
        labeler=jnp.int32(0),
        wrong_kind=jnp.int32(data.LABEL_KINDS.index(kind)),
        check_labels=jnp.asarray(check),
    )
    params = make_params(beta=beta, filter_fpr=gamma, label_budget=P * M, wrong_spread=spread)
    strategy = round_lib.LMStrategy(samples_per_prompt=K, labels_per_prompt=M, n_difficulties=D)
    out, _, metrics, labelled = round_lib.curate(
        samples,
        problems,
        params,
        roles,
        jnp.ones((P,)),
        jnp.zeros((P, M, LA), jnp.int32),
        key=jax.random.key(key),
        strategy=strategy,
        round_index=jnp.int32(rnd),
    )
    weights = np.asarray(out.weights)[P * K :].reshape(P, M)
    labels = np.asarray(out.tokens)[P * K :].reshape(P, M, -1)[..., -LA:]
    right = np.asarray(task.verify(jnp.asarray(labels), problems.reference[:, None]))
    return metrics, weights, labels, right, np.asarray(labelled)


def _z_ok(count, n, p, z=5.0):
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p)) + 1e-9


def test_checked_labels_keep_every_right_one_and_a_gamma_share_of_wrong_ones(problems):
    gamma = 0.2
    kept_wrong = n_wrong = 0
    for key in range(6):
        m_u, w_u, lab_u, right_u, _ = _curate(problems, check=False, gamma=gamma, key=key)
        m_c, w_c, lab_c, right_c, _ = _curate(problems, check=True, gamma=gamma, key=key)
        # the two arms differ only in which labels are kept: same labels asked, same answers
        np.testing.assert_array_equal(lab_u, lab_c)
        assert float(m_u["labels_round"]) == float(m_c["labels_round"])  # every label paid for
        given = w_u > 0  # unchecked: every label asked is trained on
        assert float(m_u["labels_kept"]) == given.sum() == float(m_u["labels_round"])
        kept = w_c > 0
        assert not np.any(kept & ~given)
        np.testing.assert_array_equal(kept[given & right_c], True)  # c = 1: right ones all kept
        kept_wrong += int(np.sum(kept & given & ~right_c))
        n_wrong += int(np.sum(given & ~right_c))
        assert float(m_c["labels_kept"]) == kept.sum()
    assert n_wrong > 500 and _z_ok(kept_wrong, n_wrong, gamma)


def test_consistent_labels_reuse_one_wrong_answer_and_fresh_ones_do_not(problems):
    answers = np.asarray(problems.answers)
    distinct = {}
    for spread in (0.0, 1.0):
        seen = [set() for _ in range(P)]
        n_wrong = np.zeros(P, int)
        for rnd in range(T):
            _, w, labels, right, _ = _curate(problems, spread=spread, beta=0.05, key=rnd, rnd=rnd)
            for i in range(P):
                for j in range(M):
                    if w[i, j] > 0 and not right[i, j]:
                        seen[i].add(labels[i, j].tobytes())
                        n_wrong[i] += 1
                        assert not np.array_equal(labels[i, j], answers[i])
        has = n_wrong > 1
        distinct[spread] = np.array([len(s) for s in seen])[has], n_wrong[has]
    d0, _ = distinct[0.0]
    np.testing.assert_array_equal(d0, 1)  # consistent: one wrong answer per prompt, always
    d1, n1 = distinct[1.0]
    # fresh: as many distinct answers as wrong labels, up to collisions of the kind's draws
    # (1-digit sums have few random wrong answers)
    assert np.mean(d1 == n1) > 0.6 and np.all(d1 <= n1) and np.mean(d1) > 2 * np.mean(d0)


def test_fresh_answers_are_of_the_kind(problems, sets):
    """Every bank slot of every kind is a wrong answer of that kind's form."""
    bank = np.asarray(problems.wrong)
    p = sets["train"]
    total = p.a + p.b
    for k, kind in enumerate(data.WRONG_KINDS):
        for slot in range(bank.shape[2]):
            tokens = jnp.asarray(bank[:, k, slot])
            assert not np.any(np.asarray(task.verify(tokens, problems.reference)))
            text = [task.decode(t).split(".")[0][::-1] for t in bank[:, k, slot]]
            value = np.asarray([int(x) for x in text])
            if kind == "random":  # same number of digits as the sum
                assert all(len(x) == len(str(t)) for x, t in zip(text, total, strict=True))
            if kind == "shuffled":  # the sum of another problem of the same difficulty
                for n in range(1, D + 1):
                    same = set(total[p.difficulty == n].tolist())
                    assert set(value[p.difficulty == n].tolist()) <= same | {t + 1 for t in same}


def test_abstaining_labeler_never_gives_a_wrong_label(problems):
    beta = 0.3
    right_count = asked = 0
    for key in range(6):
        m, w, _, right, labelled = _curate(problems, kind="abstain", beta=beta, key=key)
        assert not np.any((w > 0) & ~right)  # no wrong label ever enters training
        assert np.isnan(float(m["wrong_label_digit_share"]))
        n = float(m["labels_round"])  # every label asked is paid for, silent or not
        assert n > 0 and float(m["labels_kept"]) == np.sum(w > 0)
        right_count += int(np.sum(w > 0))
        asked += int(n)
        assert abs(float(m["label_correct_rate"]) - np.sum(w > 0) / n) < 1e-6
    assert _z_ok(right_count, asked, beta)


def test_token_level_measurements_by_hand():
    """A hand-computed case: two prompts, 2-digit operands."""
    # 12 + 35 = 47 (answer "74." reversed); 58 + 67 = 125 ("521.")
    p = task.problems_from([12, 58], [35, 67], [2, 2], 2, [48, 135])
    answers = np.asarray(p.answers)
    samples = np.stack(
        [
            np.stack([task.encode("74.", 4), task.encode("14.", 4)]),  # 2/2 and 1/2 digits
            np.stack([task.encode("531.", 4), task.encode("9.", 4)]),  # 2/3 and 0/3 digits
        ]
    )
    acc = np.asarray(round_lib.digit_accuracy(jnp.asarray(samples), jnp.asarray(answers)[:, None]))
    np.testing.assert_allclose(acc, [[1.0, 0.5], [2 / 3, 0.0]], rtol=1e-6)
    # a wrong label 48 ("84.") for 47 has 1 of 2 digits right; 135 for 125: 2 of 3
    wrong = np.stack([task.encode("84.", 4), task.encode("531.", 4)])
    np.testing.assert_allclose(
        round_lib.digit_accuracy(jnp.asarray(wrong), jnp.asarray(answers)), [0.5, 2 / 3], rtol=1e-6
    )


def test_labelled_next_accepted_and_labelled_digit_accuracy(problems):
    """labelled_next_accepted: of the prompts labelled last round, the share with an accepted
    sample now; labelled_digit_accuracy: the per-digit accuracy of the samples of the prompts
    labelled this round."""
    m1, _, _, _, labelled = _curate(problems, key=1, rnd=0)
    assert np.isnan(float(m1["labelled_next_accepted"]))  # no previous round
    samples = jnp.broadcast_to(problems.wrong[:, 0, 0][:, None], (P, K, LA))
    sample_digits = np.asarray(round_lib.digit_accuracy(samples, problems.answers[:, None])).mean(
        -1
    )
    np.testing.assert_allclose(
        float(m1["labelled_digit_accuracy"]), sample_digits[labelled].mean(), rtol=1e-5
    )
    # the next round, with every sample right: every labelled prompt has an accepted sample
    strategy = round_lib.LMStrategy(samples_per_prompt=K, labels_per_prompt=M, n_difficulties=D)
    roles = round_lib.Roles(allocation=jnp.int32(1), mixture=jnp.int32(1))
    right_samples = jnp.broadcast_to(problems.answers[:, None], (P, K, LA))
    half = jnp.asarray(labelled) & (jnp.arange(P) % 2 == 0)
    mixed = jnp.where(half[:, None, None], samples, right_samples)  # half of them still wrong
    params = make_params(beta=0.3, filter_fpr=0.0, label_budget=P * M)
    _, _, m2, _ = round_lib.curate(
        mixed,
        problems,
        params,
        roles,
        jnp.ones((P,)),
        jnp.zeros((P, M, LA), jnp.int32),
        key=jax.random.key(2),
        strategy=strategy,
        round_index=jnp.int32(1),
        labelled_before=jnp.asarray(labelled),
    )
    want = 1.0 - np.asarray(half).sum() / labelled.sum()
    np.testing.assert_allclose(float(m2["labelled_next_accepted"]), want, rtol=1e-6)
