"""The program-synthesis task: interpreter, problems, verdicts and wrong answers, against a
plain-Python reference interpreter written on strings.

Measured false-positive rate of the examples-shown filter (run
`test_false_positive_rate_falls_with_visible_examples` with -s to print it): 80 problems per
difficulty, wrong = differs from the hidden function on some digit; rows are the program length,
columns V = 1, 2, 3, 4 visible examples.

    random programs of the hidden length (128 per problem)   one-op mutants of the hidden program
    1   0.103  0.011  0.002  0.000                            0.103  0.011  0.003  0.000
    2   0.115  0.023  0.005  0.001                            0.151  0.035  0.009  0.003
    3   0.123  0.020  0.005  0.001                            0.185  0.056  0.016  0.006
    4   0.130  0.022  0.004  0.001                            0.247  0.093  0.029  0.010
"""

from __future__ import annotations

import itertools
import re

import hypothesis.strategies as st
import jax
import numpy as np
import pytest
from hypothesis import given

from sim.lm import programs as pr
from sim.lm import programs_lang as pl
from sim.lm import programs_wrong as pw

REF_OPS = {
    "a": lambda x: (x + 1) % 10,
    "b": lambda x: (x + 3) % 10,
    "s": lambda x: (x + 9) % 10,
    "d": lambda x: 2 * x % 10,
    "t": lambda x: 3 * x % 10,
    "n": lambda x: (10 - x) % 10,
    "q": lambda x: x * x % 10,
    "h": lambda x: x // 2,
    "g": lambda x: x // 3,
    "m": lambda x: x - 7 if x >= 7 else x,
}


def ref_run(text: str, inputs, max_len: int):
    """Outputs of the program written in `text` (up to its first '.'), or None if malformed."""
    if "." not in text:
        return None
    ops = text[: text.index(".")]
    if not 1 <= len(ops) <= max_len or any(c not in REF_OPS for c in ops):
        return None
    out = []
    for x in inputs:
        for c in ops:
            x = REF_OPS[c](x)
        out.append(x)
    return out


def ref_verdict(text: str, p: pr.ProgramProblems, i: int, max_len: int) -> tuple[bool, bool]:
    """(passes the visible examples, passes the hidden tests) of problem i."""
    vis = ref_run(text, p.visible_inputs[i].tolist(), max_len)
    hid = ref_run(text, p.hidden_inputs[i].tolist(), max_len)
    ok_vis = vis is not None and vis == p.visible_outputs[i].tolist()
    ok_hid = hid is not None and hid == p.hidden_outputs[i].tolist()
    return ok_vis, ok_hid


def _text(tokens) -> str:
    return pl.decode(tokens)


def _sets(sizes, *, max_len=4, v=3, h=None, seed=0):
    return pr.make_problem_sets(
        sizes, max_len=max_len, visible_examples=v, hidden_tests=h, seed=seed
    )


@pytest.mark.parametrize(
    "text, x, y",
    [
        ("a.", 9, 0),
        ("b.", 8, 1),
        ("s.", 0, 9),
        ("d.", 6, 2),
        ("t.", 4, 2),
        ("n.", 1, 9),
        ("n.", 0, 0),
        ("q.", 9, 1),
        ("h.", 9, 4),
        ("g.", 8, 2),
        ("m.", 9, 2),
        ("m.", 6, 6),
        ("dq.", 7, 6),  # left to right: 7 -> 14 = 4 -> 16 = 6
        ("qd.", 7, 8),
        ("as.", 5, 5),
        ("bgqm.", 6, 2),  # 6 -> 9 -> 3 -> 9 -> 2
        ("a.q", 3, 4),  # whatever follows the end token is ignored
    ],
)
def test_known_programs(text, x, y):
    out, valid = pl.run(pl.encode(text, 6)[None], np.asarray([[x]]))
    assert bool(valid[0]) and int(out[0, 0]) == y == ref_run(text, [x], 5)[0]


@pytest.mark.parametrize(
    "text",
    ["", ".", "ab", "aaaaaa", "aaaaa.", "a3.", "a_b.", "_a.", ">a.", "a|.", "..", "_____"],
)
def test_malformed_programs_are_invalid_not_errors(text):
    tokens = pl.encode(text, 6)[None]
    out, valid = pl.run(tokens, np.arange(10)[None], max_len=4)  # "aaaaa." is too long
    assert not bool(valid[0]) and ref_run(text, [0], 4) is None
    assert np.all(np.asarray(out) == pl.ERROR)


_TOKEN = st.one_of(
    st.sampled_from(range(pl.OP0, pl.OP0 + pl.N_OPS)),
    st.sampled_from(range(pl.OP0, pl.OP0 + pl.N_OPS)),
    st.just(pl.EOS),
    st.integers(0, pl.VOCAB_SIZE - 1),
)


@given(
    tokens=st.lists(_TOKEN, min_size=6, max_size=6),
    inputs=st.lists(st.integers(0, 9), min_size=8, max_size=8),
    max_len=st.sampled_from([3, 5]),
)
def test_run_matches_reference(tokens, inputs, max_len):
    out, valid = pl.run(np.asarray([tokens]), np.asarray([inputs]), max_len=max_len)
    want = ref_run(_text(tokens), inputs, max_len)
    assert bool(valid[0]) == (want is not None)
    assert np.asarray(out[0]).tolist() == (want if want is not None else [pl.ERROR] * 8)


def test_run_matches_reference_in_bulk():
    """Many random programs (about half well formed), broadcast: [N, 1, L] x [N, 4, K]."""
    rng = np.random.default_rng(0)
    n, la = 1500, 6
    tokens = rng.integers(pl.OP0, pl.OP0 + pl.N_OPS, size=(n, la))
    tokens[np.arange(n), rng.integers(0, la, n)] = pl.EOS
    noise = rng.random((n, la)) < 0.03
    tokens[noise] = rng.integers(0, pl.VOCAB_SIZE, noise.sum())
    inputs = rng.integers(0, 10, size=(n, 4, 5))
    out, valid = pl.run(tokens[:, None, :], inputs)
    assert out.shape == (n, 4, 5) and valid.shape == (n, 1)
    for i in range(n):
        want = [ref_run(_text(tokens[i]), row, la - 1) for row in inputs[i].tolist()]
        assert bool(valid[i, 0]) == (want[0] is not None)
        assert np.asarray(out[i]).tolist() == [w or [pl.ERROR] * 5 for w in want]
    assert 0.3 < np.mean(valid) < 0.9


def test_run_traces_once():
    pl.run(np.zeros((3, 5), np.int32), np.zeros((3, 2), np.int32))
    size = pl.run._cache_size()
    pl.run(np.full((3, 5), pl.OP0, np.int32), np.ones((3, 2), np.int32))
    assert pl.run._cache_size() == size


def test_enumeration_matches_brute_force():
    """Canonical programs = shortest, then first in op order, over all programs of <= 3 ops."""
    first = {tuple(range(10)): ""}  # the identity is not a problem
    for n in range(1, 4):
        for ops in itertools.product(pl.OP_CHARS, repeat=n):
            table = tuple(ref_run("".join(ops) + ".", range(10), 3))
            first.setdefault(table, "".join(ops))
    del first[tuple(range(10))]
    funcs = pl.enumerate_functions(3)
    assert sorted(funcs.text, key=lambda t: (len(t), [pl.OP_CHARS.index(c) for c in t])) == list(
        funcs.text
    )
    assert dict(zip(map(tuple, funcs.tables.tolist()), funcs.text, strict=True)) == first
    assert pl.count_functions(3).tolist() == [10, 80, 568]
    assert pl.count_functions(5).tolist() == [10, 80, 568, 3636, 20156]


def test_problems_are_well_formed_and_seeded():
    sets = _sets({"train": (5, 30, 30, 30)}, v=3, h=5, seed=(4, 2))
    again = _sets({"train": (5, 30, 30, 30)}, v=3, h=5, seed=(4, 2))
    p = sets["train"]
    assert all(np.array_equal(x, y) for x, y in zip(p, again["train"], strict=True))
    funcs = pl.enumerate_functions(4)
    assert np.bincount(p.difficulty, minlength=5)[1:].tolist() == [5, 30, 30, 30]
    assert p.prompts.shape == (95, pr.prompt_len(3)) and p.answers.shape == (95, 5)
    for i in range(95):
        prompt, answer = _text(p.prompts[i]), _text(p.answers[i]).rstrip("_")
        assert re.fullmatch(r"(\d>\d,){2}\d>\d\|", prompt)
        assert prompt == pr.prompt_text(p.visible_inputs[i], p.visible_outputs[i])
        assert answer == funcs.text[p.function[i]] + "." and len(answer) - 1 == p.difficulty[i]
        assert ref_verdict(answer, p, i, 4) == (True, True)
        vis, hid = p.visible_inputs[i].tolist(), p.hidden_inputs[i].tolist()
        assert vis == sorted(set(vis)) and len(set(vis + hid)) == 3 + 5
    accepted, correct = pr.verdicts(p.answers, p)
    assert np.all(accepted) and np.all(correct)


def test_sets_are_disjoint_and_too_few_problems_is_an_error():
    sizes = {"seed": (2, 10, 20, 40), "train": (5, 50, 300, 2000), "test": (3, 15, 100, 400)}
    sets = _sets(sizes)
    fs = {name: set(p.function.tolist()) for name, p in sets.items()}
    for name, p in sets.items():
        assert len(fs[name]) == len(p.function)  # one problem per function
        assert np.bincount(p.difficulty, minlength=5)[1:].tolist() == list(sizes[name])
    assert not (fs["seed"] & fs["train"] or fs["seed"] & fs["test"] or fs["train"] & fs["test"])

    # Several problems per function: more than 10 of difficulty 1, still disjoint in functions.
    many = pr.make_problem_sets(
        {"train": (24, 5), "test": (6, 5)},
        max_len=2,
        visible_examples=2,
        hidden_tests=4,
        seed=1,
        examples_per_function=3,
    )
    train, test = many["train"], many["test"]
    assert not set(train.function.tolist()) & set(test.function.tolist())
    pairs = [
        (f, tuple(v)) for f, v in zip(train.function, train.visible_inputs.tolist(), strict=True)
    ]
    assert len(set(pairs)) == len(pairs) and max(np.bincount(train.function)) <= 3

    with pytest.raises(ValueError, match="difficulty 1 has only 10 distinct hidden functions"):
        _sets({f"set{i}": (1, 1, 1, 1) for i in range(11)})
    with pytest.raises(ValueError, match="difficulty 2 has only 80"):
        _sets({f"set{i}": (0, 1) for i in range(81)}, max_len=2)
    with pytest.raises(ValueError, match="sizes"):
        _sets({"train": (1, 1)})
    with pytest.raises(ValueError, match="visible_examples"):
        _sets({"train": (1, 1, 1, 1)}, v=0)
    with pytest.raises(ValueError, match="max_len"):
        _sets({"train": (1,) * 7}, max_len=7)
    with pytest.raises(ValueError, match="hidden_tests"):
        _sets({"train": (1, 1, 1, 1)}, v=3, h=8)


def test_too_few_functions_split_in_proportion_and_repeat_every_view_in_turn():
    """Difficulty 1 has 10 functions x C(10, 1) = 100 distinct problems with V = 1, and the sets
    ask for 330: its functions are split over the sets in proportion to their demand (at least
    one each), disjoint, and a set's problems of one function show each of its views equally
    often (within one), as whole cycles over the views."""
    sizes = {"seed": (30, 5), "train": (200, 5), "test": (100, 5)}
    sets = pr.make_problem_sets(sizes, max_len=2, visible_examples=1, seed=3)
    fs = {name: set(p.function[p.difficulty == 1].tolist()) for name, p in sets.items()}
    # 1 each, then 7 in proportion 30 : 200 : 100 = 0.64 : 4.24 : 2.12, largest remainder
    assert {name: len(f) for name, f in fs.items()} == {"seed": 2, "train": 5, "test": 3}
    assert len(fs["seed"] | fs["train"] | fs["test"]) == 10
    for name, p in sets.items():
        assert np.bincount(p.difficulty, minlength=3)[1:].tolist() == list(sizes[name])
        for f in fs[name]:
            views = p.visible_inputs[p.function == f, 0]
            per_view = np.bincount(views, minlength=10)
            assert per_view.max() - per_view.min() <= 1, (name, f, per_view)
    again = pr.make_problem_sets(sizes, max_len=2, visible_examples=1, seed=3)
    assert all(np.array_equal(again[n].prompts, sets[n].prompts) for n in sets)


@pytest.mark.parametrize("v", [1, 2])
def test_verdicts_match_reference_on_all_short_programs(v):
    """Every program of <= 2 ops (and the empty one): accepted and correct as the reference says,
    so the false positives are exactly the programs that pass visible and fail hidden."""
    p = _sets({"train": (4, 8)}, max_len=2, v=v, h=4, seed=v)["train"]
    texts = ["".join(o) + "." for n in range(3) for o in itertools.product(pl.OP_CHARS, repeat=n)]
    tokens = np.stack([pl.encode(t, 3) for t in texts])
    accepted, correct = pr.verdicts(np.broadcast_to(tokens, (12,) + tokens.shape), p)
    want = np.asarray([[ref_verdict(t, p, i, 2) for t in texts] for i in range(12)])
    assert np.array_equal(accepted, want[..., 0])
    assert np.array_equal(correct, want[..., 0] & want[..., 1])
    false_pos = np.asarray(accepted & ~correct)
    assert np.array_equal(false_pos, want[..., 0] & ~want[..., 1]) and false_pos.any()
    # programs other than the reference that are right: behaviour counts, not text
    answers = [_text(a).rstrip("_") for a in p.answers]
    other = [(i, t) for i in range(12) for j, t in enumerate(texts) if correct[i, j]]
    assert any(t != answers[i] for i, t in other)


def test_an_equivalent_longer_program_is_correct():
    p = _sets({"train": (10,)}, max_len=1, v=2)["train"]
    i = [_text(a) for a in p.answers].index("b.")
    accepted, correct = pr.verdicts(
        pl.encode("aaa.", 5)[None], pr.ProgramProblems(*(x[i : i + 1] for x in p))
    )
    assert bool(accepted[0]) and bool(correct[0])


def _n_visible(text: str, p: pr.ProgramProblems, i: int) -> int:
    """How many visible examples of problem i the (well formed) program passes."""
    out = ref_run(text, p.visible_inputs[i].tolist(), 4)
    return sum(a == b for a, b in zip(out, p.visible_outputs[i].tolist(), strict=True))


def _mutants(text: str) -> list[str]:
    return [
        text[:j] + c + text[j + 1 :] for j in range(len(text)) for c in pl.OP_CHARS if c != text[j]
    ]


@pytest.mark.parametrize("v", [pytest.param(1, marks=pytest.mark.slow), 3])
def test_wrong_answers_are_always_wrong_and_have_their_form(v):
    # A lone difficulty-1 problem: `shuffled` must fall back to a random wrong program.
    p = _sets({"train": (1, 40, 40, 40)}, v=v, h=6, seed=10 + v)["train"]
    n = len(p.difficulty)
    answers = [_text(a).rstrip("_")[:-1] for a in p.answers]
    traces = {name: None for name in pw.WRONG_FNS}
    for key in (0, 1):
        got = {}
        for name, fn in pw.WRONG_FNS.items():
            got[name] = [_text(t).rstrip("_") for t in fn(p, key=jax.random.key(key))]
            # a new key traces nothing new
            assert traces[name] in (None, fn._cache_size())
            traces[name] = fn._cache_size()
        for name, texts in got.items():
            for i, t in enumerate(texts):
                assert ref_verdict(t, p, i, 4) != (True, True), (name, i, t)
                assert t.endswith(".") and len(t) - 1 == p.difficulty[i], (name, i, t)
        for i in range(n):
            near, ops = got["near"][i][:-1], answers[i]
            verdicts = {m: ref_verdict(m + ".", p, i, 4) for m in _mutants(ops)}
            wrong = [m for m, ok in verdicts.items() if ok != (True, True)]
            some = [m for m in wrong if 0 < _n_visible(m + ".", p, i) < v]
            if some:
                assert near in some
            elif wrong:
                assert near in wrong
            same = [
                j
                for j in range(n)
                if j != i
                and p.difficulty[j] == p.difficulty[i]
                and ref_verdict(answers[j] + ".", p, i, 4) != (True, True)
            ]
            if same:
                assert got["shuffled"][i][:-1] in {answers[j] for j in same}
        assert sum(got["near"][i][:-1] in _mutants(answers[i]) for i in range(n)) == n


@pytest.mark.slow
def test_false_positive_rate_falls_with_visible_examples():
    """FPR per length and V of random programs of the hidden length, and of the one-op mutants
    of the hidden program (a model's near misses); the tables are in the module docstring.

    With one seed the visible inputs for V are the first V of one permutation, so the sets for
    V = 1..4 are nested and the rates can only fall (exactly so for lengths 2-4; the 10
    functions of length 1 are shown 8 times each, and redrawing repeated inputs breaks the
    nesting). Wrong means wrong on some digit."""
    per, k, max_len = 80, 128, 4

    def problems(v):
        parts = [
            pr.make_problem_sets(
                {"train": sizes},
                max_len=max_len,
                visible_examples=v,
                seed=0,
                examples_per_function=e,
            )["train"]
            for sizes, e in [((per, 0, 0, 0), 8), ((0, per, per, per), 1)]
        ]
        return pr.ProgramProblems(*map(np.concatenate, zip(*parts, strict=True)))

    p = {v: problems(v) for v in range(1, 5)}
    assert all(np.array_equal(p[1].function, q.function) for q in p.values())
    lengths = np.broadcast_to(p[1].difficulty[:, None], (len(p[1].difficulty), k))
    randoms = pw.random_programs(lengths, key=jax.random.key(0), answer_len=max_len + 1)
    mutants, real = pw.one_op_mutants(p[1].answers, p[1].difficulty)
    rates = np.zeros((2, max_len, 4))
    for v, q in p.items():
        for kind, programs in enumerate([randoms, mutants]):
            accepted, correct = map(np.asarray, pr.verdicts(programs, q))
            keep = np.asarray(real) if kind else np.ones(accepted.shape, bool)
            for n in range(1, max_len + 1):
                rows = keep & (q.difficulty == n)[:, None]
                rates[kind, n - 1, v - 1] = pr.false_positive_rate(accepted[rows], correct[rows])
    for kind, name in enumerate(["random programs", "one-op mutants"]):
        print(f"\nFPR of {name} (rows: length 1..4; columns: V = 1..4)\n", rates[kind].round(3))
    assert np.all(np.diff(rates, axis=-1) <= 0)
    assert np.all(rates[..., 1] < rates[..., 0]) and np.all(rates[..., 3] < 0.5 * rates[..., 1])
    assert np.all(rates[..., 0] > 0.05)


def test_accuracy_by_difficulty_and_false_positive_rate():
    rng = np.random.default_rng(3)
    correct = rng.random((50, 4)) < 0.4
    difficulty = rng.integers(1, 4, 50)  # difficulty 4 never occurs
    got = np.asarray(pr.accuracy_by_difficulty(correct, difficulty, max_len=4))
    want = [correct[difficulty == n].mean() for n in (1, 2, 3)]
    np.testing.assert_allclose(got[:3], want, rtol=1e-6)
    assert np.isnan(got[3])
    flat = np.asarray(pr.accuracy_by_difficulty(correct[:, 0], difficulty, max_len=3))
    np.testing.assert_allclose(
        flat, [correct[difficulty == n, 0].mean() for n in (1, 2, 3)], rtol=1e-6
    )
    accepted = rng.random((50, 4)) < 0.5
    np.testing.assert_allclose(
        pr.false_positive_rate(accepted, correct), (accepted & ~correct).sum() / (~correct).sum()
    )
    assert np.isnan(pr.false_positive_rate(accepted, np.ones_like(correct)))
