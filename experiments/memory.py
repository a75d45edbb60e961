"""Memory a run will need, estimated up front from its sizes, and a clear error when it
cannot fit (instead of an out-of-memory traceback after compilation).

The estimates count the arrays a run holds at its peak, in bytes, with a margin for XLA's
temporaries (`MARGIN`); `tests/experiments/test_memory.py` checks them against XLA's own
accounting of the compiled programs (`memory_analysis`). Available memory: the accelerator's
`bytes_limit` when there is one, else the host's MemAvailable (/proc/meminfo).
"""

from __future__ import annotations

import os

from experiments.errors import OptionError

MARGIN = 1.25  # fragmentation and small temporaries beyond the arrays counted
GIB = 2**30


def available_bytes() -> int | None:
    """Free memory of the device the run uses (None when it cannot be told)."""
    try:
        import jax

        stats = jax.devices()[0].memory_stats()
        if stats and "bytes_limit" in stats:
            return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    except Exception:  # noqa: BLE001 - no device statistics: fall back to the host's memory
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if hasattr(os, "sysconf") and "SC_AVPHYS_PAGES" in os.sysconf_names:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return None


def sim_bytes(cfg) -> tuple[int, str]:
    """A simulation (`run sim` and the sweeps built on it): per seed, a handful of [P, V]
    float32 arrays (base and current model, correct set, the round's draws, curated data and
    fitted model) and per-prompt vectors."""
    p, v, s = cfg.n_prompts, cfg.n_responses, cfg.seeds
    if getattr(cfg, "task", "table") == "tokens":
        # [P, L, A]: base and current model, fresh-label marginals, carried data, this round's
        # accepted and label tokens and the fit (about 10 arrays); sampled mode also one-hots
        # [P, n, L, A] of the k draws and the label slots
        la = cfg.answer_length * cfg.alphabet
        n = cfg.samples_per_prompt + max(cfg.samples_per_prompt, cfg.labels_per_prompt)
        draws = n if cfg.mode == "sampled" else 0
        per_seed = 4 * p * la * (10 + draws) + 4 * p * (n * cfg.answer_length + 16)
        need = int(MARGIN * s * per_seed)
        detail = (
            f"seeds x n_prompts x answer_length x alphabet = {s} x {p} x "
            f"{cfg.answer_length} x {cfg.alphabet}"
        )
        return need, detail
    per_seed = 4 * p * v * 10 + 4 * p * (cfg.samples_per_prompt + cfg.labels_per_prompt + 16)
    need = int(MARGIN * s * per_seed)
    return need, f"seeds x n_prompts x n_responses = {s} x {p} x {v}"


def testbed_bytes(cfg, members: int, devices: int = 1) -> tuple[int, str]:
    """One device's share of a testbed population of `members` models sharded over `devices`
    (`sim.lm.shard`: padded to a multiple of `devices`; every stage holds a device's members,
    vmapped)."""
    from sim.lm import model as model_lib
    from sim.lm import tasks

    task = tasks.get_task(cfg.task)
    size = model_lib.SIZES[cfg.model_size]
    d, layers, d_mlp = size["d_model"], size["n_layers"], size["d_mlp"]
    heads = size["n_heads"]
    seq = tasks.seq_len(task, cfg)
    la = task.answer_len(cfg)
    vocab = task.vocab_size
    n_params = layers * (4 * d * d + 2 * d * d_mlp + d_mlp + 5 * d) + (vocab + seq) * d + vocab * d
    state = 4 * n_params * 4  # parameters, Adam's two moments, gradients
    # decoding one chunk, per sequence: the KV cache (and the copies a scan carry makes), the
    # prompt's prefill activations (MLP, attention scores), the logits it returns
    chunk, lp = cfg.sample_chunk, seq - la
    per_seq = 3 * 2 * layers * seq * d + lp * (2 * d_mlp + 8 * d + heads * seq) + la * vocab
    decode = 4 * chunk * per_seq
    # a training step: activations kept for the backward pass
    train = 4 * cfg.batch_size * seq * (layers * (12 * d + 3 * d_mlp + 2 * heads * seq) + vocab)
    # the round's data: k samples per prompt, the base pool, the curated set, the test set
    k, m = cfg.samples_per_prompt, cfg.labels_per_prompt
    rows = cfg.n_train_prompts * (k + m + 2) + cfg.n_test_prompts
    data = 4 * rows * (seq + 4)
    per_member = state + max(decode, train) + data
    share = -(-members // devices)  # members per device, the population padded
    need = int(MARGIN * share * per_member)
    where = f" of {members} on each of {devices} devices" if devices > 1 else ""
    detail = (
        f"{share} members{where} x (model {cfg.model_size}, sample_chunk {chunk}, batch_size "
        f"{cfg.batch_size}, n_train_prompts {cfg.n_train_prompts} x k = {k})"
    )
    return need, detail


def is_population(config) -> bool:
    """Whether `config` runs a testbed population (a testbed config, or a figure's built on
    one)."""
    from experiments.configs.testbed import TestbedConfig

    return isinstance(getattr(config, "base", config), TestbedConfig)


def population_devices() -> int:
    """The devices a testbed population is sharded over: all of the run's (`sim.lm.shard`)."""
    import jax

    return len(jax.devices())


def check(name: str, need: int, detail: str, *, reduce: str, available=None) -> None:
    """Raises OptionError when `need` bytes exceed what is available (when known)."""
    avail = available_bytes() if available is None else available
    if avail is None or need <= avail:
        return
    raise OptionError(
        f"{name}: this run needs about {need / GIB:.1f} GiB ({detail}); "
        f"{avail / GIB:.1f} GiB is available. Reduce {reduce}."
    )


def estimate(config) -> tuple[int, str, str] | None:
    """(bytes, what they hold, which options reduce them) for any experiment's config: a
    testbed config, a figure config built on one (`base` and its points) or on a simulation
    config; None when the config has no sizes this module knows."""
    from experiments.configs.sim import SimConfig
    from experiments.configs.testbed import TestbedConfig

    base = getattr(config, "base", config)
    if isinstance(base, TestbedConfig):
        members = len(base.strategies) * base.seeds
        if hasattr(config, "points"):  # fig8: every (beta, alpha) point x seed
            members = len(config.points()) * base.seeds
        import jax

        devices = population_devices()
        need, detail = testbed_bytes(base, members, devices)
        if jax.default_backend() == "cpu" and devices > 1:  # host devices share host memory
            need *= len(jax.local_devices())
            detail += f", times {len(jax.local_devices())} host devices sharing the host's memory"
        return need, detail, "seeds, strategies, sample_chunk, batch_size or n_train_prompts"
    if isinstance(base, SimConfig):
        need, detail = sim_bytes(base)
        if getattr(base, "task", "table") == "tokens":
            return need, detail, "seeds, n_prompts, answer_length or alphabet"
        return need, detail, "seeds, n_prompts or n_responses"
    return None


__all__ = [
    "available_bytes",
    "check",
    "estimate",
    "is_population",
    "population_devices",
    "sim_bytes",
    "testbed_bytes",
]
