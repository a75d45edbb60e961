"""How many devices the sweeps shard over. On the CPU, JAX shows one device for all cores; the
`xla_force_host_platform_device_count` flag splits it into N host devices, so a sharded sweep
runs N configurations at once. The flag only takes effect before JAX starts its backend."""

from __future__ import annotations

import os

_FLAG = "--xla_force_host_platform_device_count"


def use_host_devices(n: int | str | None = "auto") -> None:
    """Asks for `n` CPU host devices ("auto": one per core). An explicit count in XLA_FLAGS
    wins; on a GPU machine the flag changes nothing, the sweeps shard over the GPUs."""
    if n is None:
        return
    count = (os.cpu_count() or 1) if n == "auto" else int(n)
    if count < 1:
        raise ValueError(f"host_devices must be an integer >= 1 or 'auto'; got {n!r}")
    flags = os.environ.get("XLA_FLAGS", "")
    if _FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {_FLAG}={count}".strip()
