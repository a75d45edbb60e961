"""JAX's persistent compilation cache: on by default, so a second run skips XLA compilation."""

from __future__ import annotations

import os
from pathlib import Path

OFF_ENV = "ESCAPING_COLLAPSE_NO_COMPILE_CACHE"  # set (to anything) to turn the cache off


def cache_dir() -> Path:
    """JAX_COMPILATION_CACHE_DIR if set, else ~/.cache/escaping-collapse/jax (XDG_CACHE_HOME)."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "escaping-collapse" / "jax"


def enable(*, off: bool = False) -> Path | None:
    """Points JAX's compilation cache at `cache_dir()`; returns it (None when turned off).

    Every compilation is cached (the simulator's take well under JAX's 1 s default threshold).
    """
    if off or os.environ.get(OFF_ENV):
        return None
    import jax

    path = cache_dir()
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return path
