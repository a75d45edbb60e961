"""Optional tracking: `--log tensorboard` or `--log wandb` writes a run's per-round metrics.

Off by default. The rows are those of `metrics.csv` (experiment, arm, seed, round, metric,
value); each (arm, metric, seed) series becomes one scalar curve over rounds, tagged
`<arm>/<metric>/seed<seed>` (`<metric>` alone for a single-arm run with one seed). Runners that
train round by round (the testbed) write each round as it finishes; the simulator's rounds,
which finish together in one scan, are written when the run ends (`Tracker`).

- `tensorboard`: an event file `<run_dir>/tb/events.out.tfevents.<time>.escaping-collapse.<pid>`
  in TensorBoard's format (TFRecord framing with masked CRC-32C, `Event` protocol buffers
  with scalar `Summary` values; each event's wall time the moment its round was written),
  written here without TensorFlow: `tensorboard --logdir <run_dir>/tb` shows it. The writer is
  the ~60 lines below rather than `tensorboardX`: that package is not a dependency (it brings
  protobuf), and these two message types and the record framing are all a scalar log needs;
  the tests read the file back with protobuf and a bitwise CRC, independently of this code.
- `wandb`: one Weights & Biases run per run directory (needs the `wandb` package; its own
  settings, e.g. WANDB_MODE=offline, apply).
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
from pathlib import Path

import numpy as np

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


def _tag(arm: str, metric: str, seed) -> str:
    """`<arm>/<metric>[/seed<seed>]`; a run with a single arm (arm '') gets `<metric>`."""
    tag = "/".join(part for part in (str(arm), metric) if part)
    if seed not in (None, "") and seed == seed:
        tag += f"/seed{int(seed)}"
    return tag


def _series(rows):
    """(tag, round, value) of every per-round row; scalars without a round and NaN values (a
    round quantity undefined at round 0) are left out."""
    for _, arm, seed, rnd, metric, value in rows:
        if rnd is None or rnd != rnd or rnd == "" or value is None or value != value:
            continue
        yield _tag(arm, metric, seed), int(rnd), float(value)


class TensorBoardWriter:
    """One event file, `<out_dir>/events.out.tfevents.<time>.escaping-collapse.<pid>`, created
    on the first round and appended to, one `Event` per round, flushed as it is written.

    An event file is a log that TensorBoard reads while it grows (it reads whole records only),
    so it is appended to rather than written atomically; a resumed run starts a second file
    beside the first, and TensorBoard shows both as one run. `wall_time` is the time the round
    was written, made strictly increasing (rounds written in the same microsecond are a
    microsecond apart)."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.path: Path | None = None
        self._file = None
        self._last = 0.0

    def _now(self) -> float:
        self._last = max(time.time(), self._last + 1e-6)
        return self._last

    def _write(self, event: bytes) -> None:
        self._file.write(_record(event))
        self._file.flush()

    def round(self, step: int, scalars: list[tuple[str, float]]) -> None:
        if self._file is None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            now = self._now()
            name = f"events.out.tfevents.{int(now)}.escaping-collapse.{os.getpid()}"
            self.path = self.out_dir / name
            self._file = open(self.path, "ab")  # closed by close()
            self._write(_event(now, 0, file_version="brain.Event:2"))
        self._write(_event(self._now(), step, scalars=scalars))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class WandbWriter:
    """One Weights & Biases run, started on the first round; `run.log` per round."""

    def __init__(self, run_dir: Path, name: str):
        self.run_dir, self.name, self._run = Path(run_dir), name, None

    def round(self, step: int, scalars: list[tuple[str, float]]) -> None:
        if self._run is None:
            try:
                import wandb
            except ImportError:
                raise OptionError(
                    "--log wandb needs the wandb package (pip install wandb)"
                ) from None
            self._run = wandb.init(
                project="escaping-collapse",
                name=f"{self.name}:{self.run_dir.name}",
                dir=str(self.run_dir),
            )
        self._run.log(dict(scalars), step=step)

    def close(self) -> None:
        if self._run is not None:
            self._run.finish()
            self._run = None


class Tracker:
    """Writes a run's rounds to a backend: live, each round as it finishes (`log_round`, from
    runners that train round by round, such as the testbed), then, when the run ends, the rounds
    of metrics.csv that were not written live (`finish`: the simulator's rounds, which finish
    together in one scan)."""

    def __init__(self, backend: str, run_dir: Path, name: str):
        run_dir = Path(run_dir)
        self.writer = (
            TensorBoardWriter(run_dir / TB_DIR)
            if backend == "tensorboard"
            else WandbWriter(run_dir, name)
        )
        self.last_round = -1

    def round(self, step: int, scalars: list[tuple[str, float]]) -> None:
        scalars = [(t, float(v)) for t, v in scalars if v == v]  # NaN: undefined this round
        if step > self.last_round and scalars:
            self.writer.round(step, scalars)
            self.last_round = step

    def finish(self, rows) -> None:
        """Writes the rows' rounds after the last one written live, in order."""
        by_round: dict[int, list[tuple[str, float]]] = {}
        for tag, rnd, value in _series(rows):
            if rnd > self.last_round:
                by_round.setdefault(rnd, []).append((tag, value))
        for rnd in sorted(by_round):
            self.round(rnd, by_round[rnd])

    def close(self) -> None:
        self.writer.close()


_ACTIVE: list[Tracker] = []


@contextlib.contextmanager
def active(backend: str | None, run_dir: Path, name: str):
    """The tracker of a run (None when `backend` is None), reachable by `log_round` while the
    run is inside this block."""
    if backend is None:
        yield None
        return
    tracker = Tracker(backend, run_dir, name)
    _ACTIVE.append(tracker)
    try:
        yield tracker
    finally:
        _ACTIVE.remove(tracker)
        tracker.close()


def log_round(step: int, scalars: list[tuple[str, float]]) -> None:
    """Writes one finished round's scalars (tag, value) to the active tracker, if any."""
    if _ACTIVE:
        _ACTIVE[-1].round(step, scalars)


def round_scalars(arms: list[str], metrics: dict, seeds: int) -> list[tuple[str, float]]:
    """The scalars of one round of a population: `metrics` {metric: [members]} with member i in
    arm `arms[i]`; tags as metrics.csv's (`<arm>/<metric>/seed<i>`, i the member's index in its
    arm, no seed part with one seed). Metrics that are not one number per member are left out."""
    index = {}
    position = []
    for arm in arms:
        position.append(index.get(arm, 0))
        index[arm] = position[-1] + 1
    out = []
    for metric, values in metrics.items():
        values = np.asarray(values)
        if values.ndim != 1:
            continue
        for arm, i, value in zip(arms, position, values.tolist(), strict=True):
            out.append((_tag(arm, metric, i if seeds > 1 else None), float(value)))
    return out


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


def rows_of(run_dir: Path) -> list[tuple]:
    """The run's metrics.csv rows (experiment, arm, seed, round, metric, value)."""
    from experiments import longform

    return _rows(longform.load(run_dir))


def _rows(table) -> list[tuple]:
    cols = ("experiment", "arm", "seed", "round", "metric", "value")
    if hasattr(table, "to_dict"):  # pandas
        table = {c: table[c].to_numpy() for c in cols}
    return list(zip(*(table[c].tolist() for c in cols), strict=True))
