"""The transformer and decoding: KV cache against full recomputation, greedy determinism,
one compilation per shape."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim.lm import model, sample, task

D = 3


@pytest.fixture(scope="module")
def net():
    config = model.ModelConfig.of_size("tiny", max_len=task.seq_len(D))
    graphdef, params = model.init_model(config, key=jax.random.key(0))
    # Sharpen the random model a little so greedy choices are not near-ties.
    params = jax.tree.map(lambda x: 3.0 * x if x.ndim == 2 else x, params)
    return graphdef, params


@pytest.fixture(scope="module")
def prompts():
    return task.make_problems(16, max_digits=D, difficulty_weights=(1, 1, 1), seed=0).prompts


def _decode(net, prompts, **kw):
    graphdef, params = net
    return sample.generate_with_logits(
        graphdef, params, jnp.asarray(prompts), answer_len=task.answer_len(D), **kw
    )


@pytest.mark.parametrize("greedy", [True, False])
def test_kv_cache_equals_full_recomputation(net, prompts, greedy):
    key = jax.random.key(3)
    # Full float32 matmuls, so the comparison also holds on accelerators that default to TF32.
    with jax.default_matmul_precision("highest"):
        tok_c, logits_c = _decode(net, prompts, key=key, greedy=greedy, use_cache=True)
        tok_f, logits_f = _decode(net, prompts, key=key, greedy=greedy, use_cache=False)
    np.testing.assert_allclose(logits_c, logits_f, atol=1e-4, rtol=1e-4)
    np.testing.assert_array_equal(tok_c, tok_f)


def test_cached_logits_equal_a_plain_forward_pass(net, prompts):
    """Teacher forcing: the logits each decoded token was drawn from, recomputed by one causal
    pass over prompt + decoded answer (an independent reference)."""
    graphdef, params = net
    with jax.default_matmul_precision("highest"):
        tokens, logits = _decode(net, prompts, key=jax.random.key(1), temperature=1.5)
        seq = jnp.concatenate([jnp.asarray(prompts), tokens], axis=1)
        full, _ = model.apply(graphdef, params, seq[:, :-1])
    lp = prompts.shape[1]
    np.testing.assert_allclose(logits, full[:, lp - 1 :], atol=1e-4, rtol=1e-4)


def test_greedy_is_deterministic_and_ignores_key(net, prompts):
    a, _ = _decode(net, prompts, key=jax.random.key(0), greedy=True)
    b, _ = _decode(net, prompts, key=jax.random.key(9), greedy=True)
    np.testing.assert_array_equal(a, b)
    # and equals the argmax of its own logits
    _, logits = _decode(net, prompts, key=jax.random.key(0), greedy=True)
    np.testing.assert_array_equal(a, np.argmax(logits, axis=-1))


def test_sampling_depends_on_key_and_temperature_does_not_retrace(net, prompts):
    before = sample.generate_with_logits._cache_size()
    a, _ = _decode(net, prompts, key=jax.random.key(0), temperature=1.0)
    after_first = sample.generate_with_logits._cache_size()
    b, _ = _decode(net, prompts, key=jax.random.key(1), temperature=0.7)
    assert sample.generate_with_logits._cache_size() == after_first <= before + 1
    assert not np.array_equal(a, b)


def test_generate_chunks_and_cleans(net, prompts):
    graphdef, params = net
    out = sample.generate(
        graphdef,
        params,
        prompts,
        key=jax.random.key(0),
        answer_len=task.answer_len(D),
        greedy=True,
        chunk=5,
    )
    whole, _ = _decode(net, prompts, key=jax.random.key(0), greedy=True)
    np.testing.assert_array_equal(out, sample.clean(whole))
    after_eos = np.cumsum(np.asarray(out) == task.EOS, axis=1) - (np.asarray(out) == task.EOS)
    assert np.all(np.asarray(out)[after_eos > 0] == task.PAD)


@pytest.mark.parametrize("use_cache", [True, False])
def test_one_prefill_per_prompt_draws_what_repeated_prompts_draw(net, prompts, use_cache):
    """repeats=k (one prefill, the cache repeated k times) against decoding the prompts repeated
    k times: the same keys fall on the same rows, so the same tokens, and the same logits."""
    k, key = 4, jax.random.key(5)
    with jax.default_matmul_precision("highest"):
        tok_r, logits_r = _decode(
            net, prompts, key=key, temperature=1.3, repeats=k, use_cache=use_cache
        )
        tok_p, logits_p = _decode(net, np.repeat(prompts, k, axis=0), key=key, temperature=1.3)
    assert tok_r.shape == (prompts.shape[0] * k, task.answer_len(D))
    np.testing.assert_allclose(logits_r, logits_p, atol=1e-4, rtol=1e-4)
    np.testing.assert_array_equal(tok_r, tok_p)
    assert len({tuple(r) for r in np.asarray(tok_r[:k])}) > 1  # k draws, not one copied


def test_generate_with_repeats_chunks_by_prompt(net, prompts):
    graphdef, params = net
    kw = dict(key=jax.random.key(2), answer_len=task.answer_len(D), temperature=1.3)
    with jax.default_matmul_precision("highest"):
        rep = sample.generate(graphdef, params, prompts, repeats=3, chunk=6, **kw)
        ref = sample.generate(graphdef, params, np.repeat(prompts, 3, axis=0), chunk=6, **kw)
    np.testing.assert_array_equal(rep, ref)


def test_bad_model_size():
    with pytest.raises(ValueError, match="model_size"):
        model.ModelConfig.of_size("huge", max_len=8)
