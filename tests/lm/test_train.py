"""Weighted training: the loss against a NumPy recomputation, weights acting as weights, a
step lowering the loss, one compilation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim.lm import model, task, train

D = 3


@pytest.fixture(scope="module")
def setup():
    config = model.ModelConfig.of_size("tiny", max_len=task.seq_len(D))
    graphdef, params = model.init_model(config, key=jax.random.key(0))
    p = task.make_problems(8, max_digits=D, difficulty_weights=(1, 1, 1), seed=0)
    tokens = jnp.concatenate([jnp.asarray(p.prompts), jnp.asarray(p.answers)], axis=1)
    return graphdef, params, tokens


def _reference_losses(graphdef, params, tokens):
    """Answer NLL per example with NumPy: log-softmax, pick the target, mask after EOS."""
    logits, _ = model.apply(graphdef, params, tokens[:, :-1])
    logits = np.asarray(logits, np.float64)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    lp = task.prompt_len(D)
    out = []
    for i, row in enumerate(np.asarray(tokens)):
        total = 0.0
        for t in range(lp, row.shape[0]):
            total -= logp[i, t - 1, row[t]]
            if row[t] == task.EOS:
                break
        out.append(total)
    return np.asarray(out)


def test_example_losses_match_reference(setup):
    graphdef, params, tokens = setup
    got = train.example_losses(graphdef, params, tokens, prompt_len=task.prompt_len(D))
    np.testing.assert_allclose(got, _reference_losses(graphdef, params, tokens), rtol=1e-5)


_grad_fn = jax.jit(
    jax.grad(train.weighted_loss, argnums=1), static_argnums=0, static_argnames="prompt_len"
)


def _grads(graphdef, params, tokens, weights):
    return _grad_fn(
        graphdef, params, tokens, jnp.asarray(weights, jnp.float32), prompt_len=task.prompt_len(D)
    )


def _assert_trees_close(a, b, **kw):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_allclose(x, y, **kw)


def test_zero_weight_examples_do_not_affect_the_gradient(setup):
    graphdef, params, tokens = setup
    w = np.asarray([1.0, 0.0, 2.0, 0.0, 0.5, 0.0, 1.0, 3.0])
    keep = w > 0
    _assert_trees_close(
        _grads(graphdef, params, tokens, w),
        _grads(graphdef, params, tokens[keep], w[keep]),
        rtol=1e-4,
        atol=1e-6,
    )


def test_weights_are_normalised(setup):
    graphdef, params, tokens = setup
    w = np.linspace(0.1, 2.0, 8)
    _assert_trees_close(
        _grads(graphdef, params, tokens, w), _grads(graphdef, params, tokens, 2 * w), rtol=1e-5
    )
    loss = train.weighted_loss(
        graphdef, params, tokens, jnp.asarray(w, jnp.float32), prompt_len=task.prompt_len(D)
    )
    ref = _reference_losses(graphdef, params, tokens)
    np.testing.assert_allclose(loss, np.sum(w * ref) / np.sum(w), rtol=1e-5)


def test_training_lowers_the_loss_and_compiles_once(setup):
    graphdef, params, tokens = setup
    opt = train.OptConfig(lr=3e-3)
    state = train.init_train_state(params, opt)
    data = train.TrainData(tokens=tokens, weights=jnp.ones((tokens.shape[0],), jnp.float32))
    lp = task.prompt_len(D)
    before = float(train.weighted_loss(graphdef, params, tokens, data.weights, prompt_len=lp))
    state, losses = train.train_chunk(
        graphdef, opt, state, data, key=jax.random.key(0), n_steps=20, batch_size=8, prompt_len=lp
    )
    size = train.train_chunk._cache_size()
    state, _ = train.train_chunk(
        graphdef,
        opt,
        state,
        data._replace(weights=data.weights * 0.5),
        key=jax.random.key(1),
        n_steps=20,
        batch_size=8,
        prompt_len=lp,
    )
    assert train.train_chunk._cache_size() == size  # new values, same trace
    after = float(train.weighted_loss(graphdef, state.params, tokens, data.weights, prompt_len=lp))
    assert after < 0.5 * before
    assert int(state.step) == 40


def test_batches_only_draw_examples_in_the_set(setup):
    """With one example of positive weight, training fits exactly that one."""
    graphdef, params, tokens = setup
    opt = train.OptConfig(lr=3e-3)
    w = jnp.zeros((tokens.shape[0],)).at[3].set(1.0)
    data = train.TrainData(tokens=tokens, weights=w)
    lp = task.prompt_len(D)
    state, _ = train.train_chunk(
        graphdef,
        opt,
        train.init_train_state(params, opt),
        data,
        key=jax.random.key(0),
        n_steps=30,
        batch_size=8,
        prompt_len=lp,
    )
    new = np.asarray(train.example_losses(graphdef, state.params, tokens, prompt_len=lp))
    old = np.asarray(train.example_losses(graphdef, params, tokens, prompt_len=lp))
    assert new[3] < 0.2 * old[3]
    assert new[3] == new.min()
