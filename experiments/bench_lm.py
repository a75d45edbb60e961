"""Throughput of the testbed's transformer: training and sampling tokens/s, KV-cache speed-up,
achieved FLOP/s.

    python -m experiments.bench_lm [--size small] [--batch 256] [--repeats 3]

Last line, for scripts: `train_tokens_per_s=<x> sample_tokens_per_s=<y> kv_cache_speedup=<z>
population_speedup=<p> population_tokens_per_s_by_devices=<1:a,2:b,...>`. The population
speed-up is a testbed round's work (sampling k answers per prompt, then training steps) for
N = 25 members of the testbed's `tiny` model run as one vmapped population, against the same 25
members one after another. The population's throughput against the number of devices its
member axis is sharded over (`sim.lm.shard`, padded to a multiple of it): 1, 2, 4 and 8 CPU host
devices on the CPU (each count in a fresh subprocess, as host devices are fixed at start-up),
1, 2, 4, ... and all devices on an accelerator.
Timings exclude compilation (one warm-up call each) and take the best of `repeats`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from sim.lm import model, sample, shard, task, train

HOST_DEVICE_COUNTS = (1, 2, 4, 8)


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


def _population_work(size, max_digits, prompts, k, batch, train_steps):
    """One member's round (k answers per prompt, then `train_steps` steps), its state and the
    tokens it processes."""
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

    n_tokens = prompts * k * la + train_steps * batch * (config.max_len - 1)
    return member, state, n_tokens


def bench_sharded_population(
    n_members: int = 25,
    *,
    devices: int | None = None,
    size: str = "tiny",
    max_digits: int = 5,
    prompts: int = 512,
    k: int = 8,
    batch: int = 64,
    train_steps: int = 50,
    repeats: int = 2,
) -> dict[str, float]:
    """`bench_population`'s population, its member axis sharded over `devices` devices (default
    all), padded to a multiple of them; the padding's work is not counted as tokens."""
    member, state, n_tokens = _population_work(size, max_digits, prompts, k, batch, train_steps)
    mesh = shard.member_mesh(devices)
    n_pad = shard.padded_size(n_members, mesh.size)
    stacked = jax.tree.map(lambda x: np.broadcast_to(np.asarray(x), (n_pad, *np.shape(x))), state)
    keys = jax.random.key_data(jax.random.split(jax.random.key(3), n_pad))
    stacked, keys = shard.place(stacked, mesh), shard.place(np.asarray(keys), mesh)
    run = jax.vmap(lambda s, key: member(s, jax.random.wrap_key_data(key)))
    t = _best(lambda: run(stacked, keys), repeats)
    return {
        "population_devices": float(mesh.size),
        "population_seconds": t,
        "population_tokens_per_s": n_members * n_tokens / t,
    }


def population_scaling(n_members: int = 25, *, repeats: int = 2, verbose: bool = True) -> dict:
    """Population throughput (tokens/s) by device count: {devices: tokens/s}."""
    if jax.default_backend() == "cpu":
        counts, out = HOST_DEVICE_COUNTS, {}
        for n in counts:
            env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n}")
            env["JAX_PLATFORMS"] = "cpu"
            argv = ["--sharded-only", "--members", str(n_members), "--repeats", str(repeats)]
            done = subprocess.run(
                [sys.executable, "-m", "experiments.bench_lm", *argv],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            out[n] = float(done.stdout.split("population_tokens_per_s=")[-1].split()[0])
    else:
        total = len(jax.devices())
        counts = sorted({*(2**i for i in range(total.bit_length()) if 2**i <= total), total})
        out = {
            n: bench_sharded_population(n_members, devices=n, repeats=repeats)[
                "population_tokens_per_s"
            ]
            for n in counts
        }
    if verbose:
        print(
            f"population of {n_members} by devices ({jax.default_backend()}): "
            + ", ".join(f"{n}: {v:.0f} tokens/s ({v / out[1]:.2f}x)" for n, v in out.items())
        )
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
    member, state, n_tokens = _population_work(size, max_digits, prompts, k, batch, train_steps)
    keys = jax.random.split(jax.random.key(3), n_members)
    stacked = jax.tree.map(lambda x: jnp.broadcast_to(x, (n_members, *jnp.shape(x))), state)
    t_seq = _best(lambda: [member(state, keys[i]) for i in range(n_members)], repeats)
    t_pop = _best(lambda: jax.vmap(member)(stacked, keys), repeats)
    tokens_done = n_members * n_tokens
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
    parser.add_argument(
        "--sharded-only",
        action="store_true",
        help="only the population sharded over this process's devices (one line)",
    )
    args = parser.parse_args(argv)
    if args.sharded_only:
        got = bench_sharded_population(args.members, repeats=args.repeats)
        print(
            f"population_devices={got['population_devices']:.0f} "
            f"population_tokens_per_s={got['population_tokens_per_s']:.1f}"
        )
        return
    out = bench_lm(args.size, batch=args.batch, repeats=args.repeats)
    out.update(bench_population(args.members, repeats=min(args.repeats, 2)))
    scaling = population_scaling(args.members, repeats=min(args.repeats, 2))
    print(
        f"train_tokens_per_s={out['train_tokens_per_s']:.0f} "
        f"sample_tokens_per_s={out['sample_tokens_per_s']:.0f} "
        f"kv_cache_speedup={out['kv_cache_speedup']:.2f} "
        f"population_speedup={out['population_speedup']:.2f} "
        "population_tokens_per_s_by_devices=" + ",".join(f"{n}:{v:.0f}" for n, v in scaling.items())
    )


if __name__ == "__main__":
    main()
