"""The testbed's task protocol: every task conforms; programs' filter; a third task end to end."""

import dataclasses
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.configs.coerce import override
from experiments.configs.testbed import PRESETS
from experiments.errors import OptionError
from sim.lm import programs_lang, tasks
from sim.lm.base import base_config
from tests.lm.reverse_task import Reverse

REVERSE = tasks.register_task(Reverse())
ROOT = Path(__file__).resolve().parents[2]


def small(task: str):
    """A config of `task` with small sets (its difficulties' seed weights)."""
    base = PRESETS["programs-tiny"] if task == "programs" else PRESETS["tiny"]
    return dataclasses.replace(
        base, task=task, filter="task" if task == "programs" else "gamma", n_seed_examples=64
    )


@pytest.mark.parametrize("name", ["addition", "programs", "reverse"])
def test_every_task_conforms_to_the_protocol(name):
    """Shapes, tokens, disjoint sets by difficulty, reference answers verified, every banked
    wrong answer refused, and the task's own filter (if any) passes every correct answer."""
    task = tasks.get_task(name)
    assert isinstance(task, tasks.LMTask) and task.name == name
    config = small(name)
    d, lp, la = task.difficulties(config), task.prompt_len(config), task.answer_len(config)
    sets = task.make_sets(config)
    assert set(sets) == {"seed", "train", "test"}
    strings = {s: task.prompt_strings(p) for s, p in sets.items()}
    for s, p in sets.items():
        n = {"seed": config.n_seed_examples, "train": 64, "test": 64}[s]
        assert np.shape(p.prompts) == (n, lp) and np.shape(p.answers) == (n, la)
        assert set(np.unique(p.difficulty)) <= set(range(1, d + 1))
        assert np.max(p.prompts) < task.vocab_size and np.max(p.answers) < task.vocab_size
        assert np.all(np.any(np.asarray(p.answers) == task.eos, axis=-1))
        assert len(strings[s]) == n and all(len(x) == lp for x in strings[s])
    assert set(np.unique(sets["test"].difficulty)) == set(range(1, d + 1))
    if name != "programs":  # programs: sets share no hidden function (prompts may coincide)
        assert not set(strings["train"]) & set(strings["test"])
    train = task.round_problems(config, sets["train"], 5)
    p, k, w, _ = train.wrong.shape
    assert (p, k, w) == (64, 3, 5)
    assert np.all(task.verify(train.answers, train.reference))
    ref = jax.tree.map(lambda x: x[:, None, None], train.reference)
    assert not np.any(task.verify(train.wrong, ref))
    test = task.round_problems(config, sets["test"], None)
    assert np.all(task.verify(test.answers, test.reference))
    if task.has_filter:
        assert np.all(task.accepts(train.answers, train.reference))


def _reference_outputs(tokens, inputs):
    """A plain-Python interpreter: the program's outputs on `inputs`, or None if malformed."""
    text = programs_lang.decode(tokens)
    body = text.split(".")[0]
    if "." not in text or not 1 <= len(body) or any(c not in programs_lang.OP_CHARS for c in body):
        return None
    fns = {c: fn for c, _, fn in programs_lang.OPS}
    out = []
    for x in inputs:
        for c in body:
            x = fns[c](x) % 10
        out.append(x)
    return out


def test_programs_filter_false_positives_are_the_accepted_programs_failing_a_hidden_test():
    """accepts & ~verify equals, program by program, "valid, maps every visible example, and
    misses some hidden test" by a plain-Python interpreter, on random and one-op-mutant
    programs (which pass the visible examples often)."""
    task = tasks.get_task("programs")
    config = small("programs")
    sets = task.make_sets(config)
    train = task.round_problems(config, sets["train"], 3)
    p, la = train.answers.shape
    rng = np.random.default_rng(0)
    ops = programs_lang.OP0 + rng.integers(0, programs_lang.N_OPS, (p, 8, la))
    answers = np.broadcast_to(np.asarray(train.answers)[:, None], (p, 8, la)).copy()
    pos = rng.integers(0, np.asarray(train.difficulty)[:, None], (p, 8))
    np.put_along_axis(answers, pos[..., None], ops[..., :1], axis=-1)  # one op replaced
    lengths = rng.integers(1, la, (p, 8))
    randoms = np.where(np.arange(la) < lengths[..., None], ops, programs_lang.PAD)
    np.put_along_axis(randoms, lengths[..., None], programs_lang.EOS, axis=-1)
    programs = np.concatenate([answers, randoms, np.asarray(train.wrong[:, :, 0])], axis=1)
    ref = jax.tree.map(lambda x: x[:, None], train.reference)
    accepted = np.asarray(task.accepts(jnp.asarray(programs), ref))
    correct = np.asarray(task.verify(jnp.asarray(programs), ref))
    vis_in, vis_out, hid_in, hid_out = (np.asarray(x) for x in train.reference)
    expected = np.zeros_like(accepted)
    for i in range(p):
        for j in range(programs.shape[1]):
            got = _reference_outputs(programs[i, j], list(vis_in[i]) + list(hid_in[i]))
            if got is None:
                continue
            v = vis_in.shape[1]
            expected[i, j] = got[:v] == list(vis_out[i]) and got[v:] != list(hid_out[i])
    np.testing.assert_array_equal(accepted & ~correct, expected)
    assert expected.sum() > 0 and (accepted & correct).sum() > 0  # both kinds occur
    assert not np.any(correct & ~accepted)  # the filter never refuses a correct program


def test_bad_task_or_visible_examples_names_the_option_and_its_valid_values():
    with pytest.raises(OptionError, match=r"task must be one of \[.*'addition', 'programs'"):
        override(PRESETS["tiny"], {"task": "sorting"})
    with pytest.raises(OptionError, match=r"visible_examples must be an integer in \[1, 9\]"):
        override(PRESETS["programs-tiny"], {"visible_examples": "10"})
    with pytest.raises(OptionError, match="filter=task needs a task with its own filter"):
        override(PRESETS["tiny"], {"filter": "task"})
    with pytest.raises(OptionError, match=r"seed_difficulty must be a tuple of 4"):
        override(PRESETS["tiny"], {"task": "programs"})  # tiny's 3 seed weights, 4 lengths


def test_default_task_keeps_its_base_model_cache_key():
    """Addition's base-model key holds the same fields as before tasks existed; another task's
    adds its name and its own fields."""
    assert "task" not in base_config(PRESETS["tiny"])
    key = base_config(PRESETS["programs-tiny"])
    assert key["task"] == "programs" and key["visible_examples"] == 4
    assert key["disjoint"] == "problems"


def test_programs_sets_share_no_function_or_no_problem_as_disjoint_says():
    """disjoint=functions: train and test share no hidden function; disjoint=problems: no
    (function, visible inputs) pair, while functions recur (difficulty 1 has only 10)."""
    task = tasks.get_task("programs")
    for disjoint in ("functions", "problems"):
        config = dataclasses.replace(small("programs"), disjoint=disjoint)
        sets = task.make_sets(config)
        f = {s: set(np.asarray(p.function).tolist()) for s, p in sets.items()}
        pairs = {
            s: set(zip(p.function.tolist(), map(tuple, p.visible_inputs.tolist()), strict=True))
            for s, p in sets.items()
        }
        for a, b in (("seed", "train"), ("seed", "test"), ("train", "test")):
            assert not pairs[a] & pairs[b]
            assert bool(f[a] & f[b]) == (disjoint == "problems"), (disjoint, a, b)
    with pytest.raises(OptionError, match=r"disjoint must be one of \['functions', 'problems'\]"):
        override(PRESETS["programs-tiny"], {"disjoint": "prompts"})


@pytest.mark.slow
def test_a_third_task_runs_end_to_end_through_the_runner(tmp_path):
    """The small reverse task, registered, through `run_testbed` at a tiny size: problems.json
    shows its prompts, every round's metrics are there, and accuracy is a share."""
    from experiments import rundir
    from experiments.testbed_runs import PROBLEMS_FILE, run_testbed

    config = dataclasses.replace(
        PRESETS["tiny"],
        task="reverse",
        n_train_prompts=24,
        n_test_prompts=24,
        n_seed_examples=48,
        base_steps=10,
        rounds=1,
        steps_per_round=2,
        strategies=("filter-only", "boosting"),
    )
    summary = run_testbed(config, tmp_path, progress=False)
    metrics = rundir.read_json(tmp_path / rundir.METRICS_FILE)
    problems = rundir.read_json(tmp_path / PROBLEMS_FILE)
    assert all(s.endswith("|") and len(s) == 4 for s in problems["train"])
    assert np.shape(metrics["boosting"]["test_accuracy_by_difficulty"]) == (1, 2, 3)
    assert 0.0 <= summary["final_accuracy"]["boosting"]["mean"] <= 1.0
    assert metrics["boosting"]["labels_spent"][0][-1] > 0


@pytest.mark.slow
def test_programs_run_resumes_and_measures_its_filter(tmp_path):
    """programs-tiny stopped after round 1 and resumed equals the uninterrupted run; every
    round after the base has the visible-examples filter's false-positive rate per difficulty,
    a share where some sample of that difficulty is wrong."""
    from experiments import rundir
    from experiments.testbed_runs import run_testbed

    config = PRESETS["programs-tiny"]
    run_testbed(config, tmp_path / "a", progress=False)
    assert run_testbed(config, tmp_path / "b", progress=False, stop_after_round=1) is None
    run_testbed(config, tmp_path / "b", progress=False)
    a = (tmp_path / "a" / rundir.METRICS_FILE).read_bytes()
    assert a == (tmp_path / "b" / rundir.METRICS_FILE).read_bytes()
    fpr = np.asarray(
        rundir.read_json(tmp_path / "a" / rundir.METRICS_FILE)["filter-only"][
            "filter_fpr_by_difficulty"
        ],
        float,
    )
    assert fpr.shape == (1, 3, 4) and np.all(np.isnan(fpr[:, 0]))
    finite = fpr[:, 1:][np.isfinite(fpr[:, 1:])]
    assert finite.size and np.all((finite >= 0) & (finite <= 1))


BEFORE_TASKS = "215529e"  # the last commit before the task protocol


@pytest.mark.slow
def test_addition_through_the_protocol_writes_the_same_metrics_as_before(tmp_path):
    """The tiny preset's metrics.json, byte for byte, from this tree and from the commit
    before tasks existed (exported with `git archive`), same seed, same machine."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git history")
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BEFORE_TASKS], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    digests = []
    for src, out in ((old, tmp_path / "run-old"), (ROOT, tmp_path / "run-new")):
        cmd = [sys.executable, "-m", "experiments", "run", "testbed", "--preset", "tiny"]
        subprocess.run([*cmd, "--out", str(out)], cwd=src, check=True, capture_output=True)
        digests.append(hashlib.sha256((out / "metrics.json").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
