"""The addition task and its verifier, against known answers and a plain-Python reference."""

from __future__ import annotations

import numpy as np
import pytest

from sim.lm import task


def reference_verify(answer: str, a: int, b: int) -> bool:
    """Independent verifier on strings: digits up to the first '.', least significant first."""
    if "." not in answer:
        return False
    head = answer[: answer.index(".")]
    return bool(head) and head.isdigit() and int(head[::-1]) == a + b


def _tokens(text: str, d: int) -> np.ndarray:
    return task.encode(text, task.answer_len(d))[None]


def _digits(total: int, d: int) -> np.ndarray:
    return np.asarray([[total // 10**j % 10 for j in range(d + 1)]], np.int32)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("971.", True),  # 42 + 137 = 179, written least significant digit first
        ("97100.", True),  # high-order zeros may be written out
        ("971000.", True),
        ("961.", False),  # one digit wrong
        ("97.", False),  # a digit missing
        ("9711.", False),  # a digit too many
        ("971", False),  # no end token: malformed
        (".971", False),  # nothing before the end token
        ("9+1.", False),  # a non-digit before the end token
        ("97=.", False),
        ("971.5", True),  # whatever follows the end token is ignored
        ("______", False),
    ],
)
def test_verify_known_answers(answer, expected):
    d = 5
    got = bool(task.verify(_tokens(answer, d), _digits(179, d))[0])
    assert got == expected == reference_verify(answer.replace("_", ""), 42, 137)


def test_verify_matches_reference_on_random_answers():
    rng = np.random.default_rng(0)
    d = 3
    probs = task.make_problems(300, max_digits=d, difficulty_weights=(1, 1, 1), seed=1)
    # Start from the right answer and corrupt some tokens, so both verdicts occur often.
    answers = probs.answers.copy()
    flip = rng.random(answers.shape) < 0.15
    answers[flip] = rng.integers(0, task.VOCAB_SIZE, size=flip.sum())
    got = np.asarray(task.verify(answers, probs.digits))
    want = [
        reference_verify(task.decode(t).replace("_", "#"), int(a), int(b))
        for t, a, b in zip(answers, probs.a, probs.b, strict=True)
    ]
    assert got.tolist() == want
    assert 0.2 < np.mean(want) < 0.9


def test_problems_are_well_formed_and_seeded():
    d = 4
    p = task.make_problems(200, max_digits=d, difficulty_weights=(1, 2, 3, 4), seed=(7, 1))
    q = task.make_problems(200, max_digits=d, difficulty_weights=(1, 2, 3, 4), seed=(7, 1))
    assert all(np.array_equal(x, y) for x, y in zip(p, q, strict=True))
    for i in range(200):
        a, b, n = int(p.a[i]), int(p.b[i]), int(p.difficulty[i])
        assert task.decode(p.prompts[i]) == f"{a:04d}+{b:04d}="
        assert len(str(a)) == len(str(b)) == n
        assert reference_verify(task.decode(p.answers[i]).rstrip("_"), a, b)
        wrong = task.decode(p.wrong[i]).rstrip("_")
        assert not reference_verify(wrong, a, b)
        # A carry mistake changes the sum by one power of ten.
        diff = abs(int(wrong[:-1][::-1]) - (a + b))
        assert diff in {10**j for j in range(1, d + 2)}
    assert np.all(task.verify(p.answers, p.digits))
    assert not np.any(task.verify(p.wrong, p.digits))


def test_answer_mask_stops_after_first_eos():
    tokens = task.encode("97.1._", 6)[None]
    assert np.asarray(task.answer_mask(tokens)).tolist() == [[1, 1, 1, 0, 0, 0]]


def test_bad_task_options():
    with pytest.raises(ValueError, match="max_digits"):
        task.make_problems(4, max_digits=9, difficulty_weights=(1,) * 9, seed=0)
    with pytest.raises(ValueError, match="difficulty_weights"):
        task.make_problems(4, max_digits=3, difficulty_weights=(1, 1), seed=0)
