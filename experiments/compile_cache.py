"""JAX's persistent compilation cache: on by default, so a second run skips XLA compilation."""

from __future__ import annotations

import os
from pathlib import Path

MIN_COMPILE_S = 1.0  # JAX default: caching every tiny eager op costs more than it saves
OFF_ENV = "ESCAPING_COLLAPSE_NO_COMPILE_CACHE"  # set (to anything) to turn the cache off


def cache_dir() -> Path:
    """JAX_COMPILATION_CACHE_DIR if set, else ~/.cache/escaping-collapse/jax (XDG_CACHE_HOME)."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "escaping-collapse" / "jax"


def enable(*, off: bool = False) -> Path | None:
    """Points JAX's compilation cache at `cache_dir()`; returns it (None when turned off).

    Compilations over JAX's default 1 s are cached (the simulator's rollouts and sweeps).
    """
    import jax

    if off or os.environ.get(OFF_ENV):
        # JAX itself reads JAX_COMPILATION_CACHE_DIR: turning the cache off must override it.
        jax.config.update("jax_enable_compilation_cache", False)
        return None

    path = cache_dir()
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_S)
    return path
