"""How many devices the sweeps shard over. On the CPU, JAX shows one device for all cores; the
`xla_force_host_platform_device_count` flag splits it into N host devices, so a sharded sweep
runs N configurations at once. The flag only takes effect before JAX starts its backend."""

from __future__ import annotations

import os

from experiments.errors import OptionError

_FLAG = "--xla_force_host_platform_device_count"
MAX_DEVICES = 4096  # more host devices than any machine has cores only slows XLA down


def use_host_devices(n: int | str | None = "auto") -> None:
    """Asks for `n` CPU host devices ("auto": one per core). An explicit count in XLA_FLAGS
    wins; on a GPU machine the flag changes nothing, the sweeps shard over the GPUs."""
    if n is None:
        return
    bad = OptionError(
        f"--host-devices must be 'auto' or an integer in [1, {MAX_DEVICES}]; got {n!r}"
    )
    try:
        count = (os.cpu_count() or 1) if n == "auto" else int(n)
    except (TypeError, ValueError):
        raise bad from None
    if not 1 <= count <= MAX_DEVICES:
        raise bad
    flags = os.environ.get("XLA_FLAGS", "")
    if _FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {_FLAG}={count}".strip()
