"""Optional tracking: `--log tensorboard` or `--log wandb` writes a run's per-round metrics.

Off by default. The rows are those of `metrics.csv` (experiment, arm, seed, round, metric,
value); each (arm, metric, seed) series becomes one scalar curve over rounds, tagged
`<arm>/<metric>/seed<seed>`.

- `tensorboard`: an event file `<run_dir>/tb/events.out.tfevents.<time>.escaping-collapse`
  in TensorBoard's format (TFRecord framing with masked CRC-32C, `Event` protocol buffers
  with scalar `Summary` values), written here without TensorFlow: `tensorboard --logdir
  <run_dir>/tb` shows it.
- `wandb`: one Weights & Biases run per run directory (needs the `wandb` package; its own
  settings, e.g. WANDB_MODE=offline, apply).
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

from experiments.errors import OptionError

BACKENDS = ("tensorboard", "wandb")
TB_DIR = "tb"


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for byte in data:
        c = _TABLE[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _record(data: bytes) -> bytes:
    """TFRecord framing: length, its masked CRC, the data, its masked CRC."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", _masked(length)) + data + struct.pack("<I", _masked(data))


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire) + payload


def _bytes_field(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def _event(wall_time: float, step: int, *, file_version: str | None = None, scalars=()) -> bytes:
    """An `Event`: wall_time (1, double), step (2, int64), file_version (3, string) or summary
    (5, `Summary` of `Value`s: tag (1, string), simple_value (2, float))."""
    msg = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if file_version is not None:
        msg += _bytes_field(3, file_version.encode())
    if scalars:
        values = b"".join(
            _bytes_field(1, _bytes_field(1, tag.encode()) + _field(2, 5, struct.pack("<f", v)))
            for tag, v in scalars
        )
        msg += _bytes_field(5, values)
    return msg


def _series(rows):
    """(tag, round, value) of every per-round row; scalars without a round and NaN values (a
    round quantity undefined at round 0) are left out."""
    for _, arm, seed, rnd, metric, value in rows:
        if rnd is None or rnd != rnd or rnd == "" or value is None or value != value:
            continue
        tag = f"{arm}/{metric}"
        if seed not in (None, "") and seed == seed:
            tag += f"/seed{int(seed)}"
        yield tag, int(rnd), float(value)


def write_tensorboard(rows, out_dir: Path) -> Path:
    """Writes `rows` (experiment, arm, seed, round, metric, value) as one event file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = time.time()
    path = out_dir / f"events.out.tfevents.{int(now)}.escaping-collapse"
    by_round: dict[int, list[tuple[str, float]]] = {}
    for tag, rnd, value in _series(rows):
        by_round.setdefault(rnd, []).append((tag, value))
    records = [_record(_event(now, 0, file_version="brain.Event:2"))]
    for rnd in sorted(by_round):
        records.append(_record(_event(now, rnd, scalars=by_round[rnd])))
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(b"".join(records))
    tmp.replace(path)
    return path


def write_wandb(rows, run_dir: Path, name: str) -> None:
    try:
        import wandb
    except ImportError:
        raise OptionError("--log wandb needs the wandb package (pip install wandb)") from None
    run = wandb.init(project="escaping-collapse", name=f"{name}:{run_dir.name}", dir=str(run_dir))
    by_round: dict[int, dict[str, float]] = {}
    for tag, rnd, value in _series(rows):
        by_round.setdefault(rnd, {})[tag] = value
    for rnd in sorted(by_round):
        run.log(by_round[rnd], step=rnd)
    run.finish()


def check_backend(backend: str | None) -> None:
    if backend is not None and backend not in BACKENDS:
        raise OptionError(f"--log must be one of {list(BACKENDS)}; got {backend!r}")
    if backend == "wandb":
        try:
            import wandb  # noqa: F401
        except ImportError:
            raise OptionError("--log wandb needs the wandb package (pip install wandb)") from None


def has_log(backend: str, run_dir: Path) -> bool:
    if backend == "tensorboard":
        return any((Path(run_dir) / TB_DIR).glob("events.out.tfevents.*"))
    return (Path(run_dir) / "wandb").exists()


def log_run(backend: str | None, run_dir: Path, name: str) -> None:
    """Writes the run's metrics.csv rows to `backend` (nothing when None)."""
    if backend is None:
        return
    from experiments import longform

    table = longform.load(run_dir)
    rows = _rows(table)
    if backend == "tensorboard":
        write_tensorboard(rows, Path(run_dir) / TB_DIR)
    else:
        write_wandb(rows, Path(run_dir), name)


def _rows(table) -> list[tuple]:
    cols = ("experiment", "arm", "seed", "round", "metric", "value")
    if hasattr(table, "to_dict"):  # pandas
        table = {c: table[c].to_numpy() for c in cols}
    return list(zip(*(table[c].tolist() for c in cols), strict=True))
