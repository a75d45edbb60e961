"""Throughput of the testbed's transformer: training and sampling tokens/s, KV-cache speed-up,
achieved FLOP/s.

    python -m experiments.bench_lm [--size small] [--batch 256] [--repeats 3]

Last line, for scripts: `train_tokens_per_s=<x> sample_tokens_per_s=<y> kv_cache_speedup=<z>
population_speedup=<p>`. The population speed-up is a testbed round's work (sampling k answers
per prompt, then training steps) for N = 25 members of the testbed's `tiny` model run as one
vmapped population, against the same 25 members one after another.
Timings exclude compilation (one warm-up call each) and take the best of `repeats`.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp

from sim.lm import model, sample, task, train


def _best(fn, repeats: int) -> float:
    jax.block_until_ready(fn())  # compile and warm up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return min(times)


def bench_lm(
    size: str = "small",
    *,
    max_digits: int = 5,
    batch: int = 256,
    train_steps: int = 20,
    repeats: int = 3,
    verbose: bool = True,
) -> dict[str, float]:
    """Measures the `size` model on the addition task of `max_digits` digits.

    Returns:
      train_tokens_per_s, sample_tokens_per_s (KV cache), sample_tokens_per_s_no_cache,
      kv_cache_speedup, train_flops_per_s, sample_flops_per_s and the parameter count.
    """
    config = model.ModelConfig.of_size(size, max_len=task.seq_len(max_digits))
    graphdef, params = model.init_model(config, key=jax.random.key(0))
    problems = task.make_problems(
        batch, max_digits=max_digits, difficulty_weights=task.uniform_difficulty(max_digits), seed=0
    )
    lp, la = task.prompt_len(max_digits), task.answer_len(max_digits)
    prompts = jnp.asarray(problems.prompts)
    tokens = jnp.concatenate([prompts, jnp.asarray(problems.answers)], axis=1)
    data = train.TrainData(tokens=tokens, weights=jnp.ones((batch,), jnp.float32))
    opt = train.OptConfig()
    state = train.init_train_state(params, opt)

    def fit():
        return train.train_chunk(
            graphdef,
            opt,
            state,
            data,
            key=jax.random.key(1),
            n_steps=train_steps,
            batch_size=batch,
            prompt_len=lp,
        )[1]

    def decode(use_cache):
        return lambda: sample.generate_with_logits(
            graphdef, params, prompts, key=jax.random.key(2), answer_len=la, use_cache=use_cache
        )[0]

    t_train = _best(fit, repeats)
    t_cache = _best(decode(True), repeats)
    t_full = _best(decode(False), repeats)
    n_train_tokens = train_steps * batch * (config.max_len - 1)
    n_sample_tokens = batch * la
    # forward FLOPs per token at the mean context; training is ~3x the forward (fwd + bwd)
    fwd = model.forward_flops_per_token(config, context=config.max_len // 2)
    out = {
        "params": float(model.count_params(params)),
        "train_tokens_per_s": n_train_tokens / t_train,
        "sample_tokens_per_s": n_sample_tokens / t_cache,
        "sample_tokens_per_s_no_cache": n_sample_tokens / t_full,
        "kv_cache_speedup": t_full / t_cache,
        "train_flops_per_s": 3 * fwd * n_train_tokens / t_train,
        # prefill of the prompt plus one token per step, all with the cache
        "sample_flops_per_s": fwd * batch * (lp + la) / t_cache,
    }
    if verbose:
        print(f"model {size}: {out['params']:.0f} parameters, {jax.default_backend()} backend")
        print(
            f"training: {out['train_tokens_per_s']:.0f} tokens/s "
            f"({out['train_flops_per_s'] / 1e9:.2f} GFLOP/s achieved)"
        )
        print(
            f"sampling with KV cache: {out['sample_tokens_per_s']:.0f} tokens/s "
            f"({out['sample_flops_per_s'] / 1e9:.2f} GFLOP/s achieved)"
        )
        print(f"sampling without cache: {out['sample_tokens_per_s_no_cache']:.0f} tokens/s")
    return out


def bench_population(
    n_members: int = 25,
    *,
    size: str = "tiny",
    max_digits: int = 5,
    prompts: int = 512,
    k: int = 8,
    batch: int = 64,
    train_steps: int = 50,
    repeats: int = 2,
    verbose: bool = True,
) -> dict[str, float]:
    """A round's sampling and fine-tuning for `n_members` models: one population vs a loop."""
    config = model.ModelConfig.of_size(size, max_len=task.seq_len(max_digits))
    graphdef, params = model.init_model(config, key=jax.random.key(0))
    problems = task.make_problems(
        prompts,
        max_digits=max_digits,
        difficulty_weights=task.uniform_difficulty(max_digits),
        seed=0,
    )
    lp, la = task.prompt_len(max_digits), task.answer_len(max_digits)
    rep = jnp.repeat(jnp.asarray(problems.prompts), k, axis=0)
    tokens = jnp.concatenate([jnp.asarray(problems.prompts), jnp.asarray(problems.answers)], axis=1)
    data = train.TrainData(tokens=tokens, weights=jnp.ones((prompts,), jnp.float32))
    opt = train.OptConfig()
    state = train.init_train_state(params, opt)

    def member(state, key):
        samples = sample.generate(graphdef, state.params, rep, key=key, answer_len=la)
        new, loss = train.train_chunk(
            graphdef,
            opt,
            state,
            data,
            key=key,
            n_steps=train_steps,
            batch_size=batch,
            prompt_len=lp,
        )
        return samples, loss

    keys = jax.random.split(jax.random.key(3), n_members)
    stacked = jax.tree.map(lambda x: jnp.broadcast_to(x, (n_members, *jnp.shape(x))), state)
    t_seq = _best(lambda: [member(state, keys[i]) for i in range(n_members)], repeats)
    t_pop = _best(lambda: jax.vmap(member)(stacked, keys), repeats)
    tokens_done = n_members * (prompts * k * la + train_steps * batch * (config.max_len - 1))
    out = {
        "population_members": float(n_members),
        "population_seconds": t_pop,
        "sequential_seconds": t_seq,
        "population_speedup": t_seq / t_pop,
        "population_tokens_per_s": tokens_done / t_pop,
    }
    if verbose:
        print(
            f"population of {n_members} ({size} model, {prompts} prompts x k={k}, "
            f"{train_steps} steps of {batch}): {t_pop:.2f}s as one population, "
            f"{t_seq:.2f}s one after another: {out['population_speedup']:.2f}x"
        )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=sorted(model.SIZES))
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--members", type=int, default=25)
    args = parser.parse_args(argv)
    out = bench_lm(args.size, batch=args.batch, repeats=args.repeats)
    out.update(bench_population(args.members, repeats=min(args.repeats, 2)))
    print(
        f"train_tokens_per_s={out['train_tokens_per_s']:.0f} "
        f"sample_tokens_per_s={out['sample_tokens_per_s']:.0f} "
        f"kv_cache_speedup={out['kv_cache_speedup']:.2f} "
        f"population_speedup={out['population_speedup']:.2f}"
    )


if __name__ == "__main__":
    main()
