"""--log tensorboard writes TensorBoard's event format (checked with the protobuf library and a
bitwise CRC-32C, independent of the writer); --log wandb when installed; bad values named."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from experiments import longform, tracking
from experiments.cli import main


def _crc32c_bitwise(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _unmask(data: bytes) -> int:
    c = _crc32c_bitwise(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _event_class():
    """TensorBoard's Event / Summary / Summary.Value, the fields used, built with protobuf."""
    pb = pytest.importorskip("google.protobuf")
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    del pb
    f = descriptor_pb2.FileDescriptorProto(name="ev_test.proto", package="t")
    F = descriptor_pb2.FieldDescriptorProto
    value = f.message_type.add(name="Value")
    value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL)
    summary = f.message_type.add(name="Summary")
    summary.field.add(
        name="value", number=1, type=F.TYPE_MESSAGE, type_name=".t.Value", label=F.LABEL_REPEATED
    )
    event = f.message_type.add(name="Event")
    event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    event.field.add(
        name="summary",
        number=5,
        type=F.TYPE_MESSAGE,
        type_name=".t.Summary",
        label=F.LABEL_OPTIONAL,
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("t.Event"))


def _read_events(path):
    Event = _event_class()
    data, events, i = path.read_bytes(), [], 0
    while i < len(data):
        (n,) = struct.unpack("<Q", data[i : i + 8])
        assert struct.unpack("<I", data[i + 8 : i + 12])[0] == _unmask(data[i : i + 8])
        body = data[i + 12 : i + 12 + n]
        assert struct.unpack("<I", data[i + 12 + n : i + 16 + n])[0] == _unmask(body)
        events.append(Event.FromString(body))
        i += 16 + n
    return events


def test_crc32c_matches_the_standard_check_value():
    assert tracking.crc32c(b"123456789") == 0xE3069283 == _crc32c_bitwise(b"123456789")


def test_tensorboard_events_hold_the_per_round_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            ["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet", "--log", "tensorboard"]
        )
        == 0
    )
    files = list((out / tracking.TB_DIR).glob("events.out.tfevents.*"))
    assert len(files) == 1
    events = _read_events(files[0])
    assert events[0].file_version == "brain.Event:2"
    logged = {(v.tag, e.step): v.simple_value for e in events[1:] for v in e.summary.value}
    table = longform.load(out)
    cols = {c: np.asarray(table[c]) for c in ("arm", "round", "metric", "value")}
    picked = (cols["metric"] == "mean_accuracy") & np.isfinite(cols["round"].astype(float))
    assert picked.sum() == 6  # rounds 0..5 of the tiny preset
    rows = zip(cols["arm"][picked], cols["round"][picked], cols["value"][picked], strict=True)
    for arm, rnd, value in rows:
        tag = f"{arm}/mean_accuracy" if arm else "mean_accuracy"  # one arm: no leading '/'
        assert logged[(tag, int(rnd))] == pytest.approx(float(value), rel=1e-6)
    # a rerun of the complete run neither recomputes nor writes a second event file
    assert (
        main(
            ["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet", "--log", "tensorboard"]
        )
        == 0
    )
    assert len(list((out / tracking.TB_DIR).glob("events.out.tfevents.*"))) == 1


def test_tensorboard_one_event_per_round_with_real_increasing_timestamps(tmp_path):
    out = tmp_path / "run"
    before = time.time()
    argv = ["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet", "--log", "tensorboard"]
    assert main(argv) == 0
    after = time.time()
    (path,) = (out / tracking.TB_DIR).glob("events.out.tfevents.*")
    events = _read_events(path)[1:]
    assert [e.step for e in events] == list(range(6))  # rounds 0..5 of the tiny preset
    times = np.asarray([e.wall_time for e in events])
    assert np.all(np.diff(times) > 0) and before <= times[0] and times[-1] <= after
    tags = {v.tag for e in events for v in e.summary.value}
    assert "mean_accuracy" in tags and not any(t.startswith("/") for t in tags)


def test_rounds_are_written_as_they_finish(tmp_path):
    tb = tmp_path / tracking.TB_DIR
    with tracking.active("tensorboard", tmp_path, "x") as tracker:
        for r in range(3):
            tracking.log_round(r, [("a/m/seed0", 0.1 * r), ("a/m/seed1", float("nan"))])
            # readable while the run goes on: file version + one event per finished round
            (path,) = tb.glob("events.out.tfevents.*")
            events = _read_events(path)
            assert [e.step for e in events[1:]] == list(range(r + 1))
            assert [v.tag for v in events[-1].summary.value] == ["a/m/seed0"]  # NaN left out
        # at the end, only the rounds not written live: 3 and 4
        rows = [("x", "a", 0, rnd, "m", 0.5) for rnd in range(5)]
        tracker.finish(rows)
    steps = [e.step for e in _read_events(path)[1:]]
    assert steps == [0, 1, 2, 3, 4]
    assert tracking.log_round(9, [("a", 1.0)]) is None  # no active tracker: nothing written
    assert [e.step for e in _read_events(path)[1:]] == steps


def test_population_tags_match_metrics_csv():
    arms = ["filter-only", "filter-only", "boosting", "boosting"]
    metrics = {"acc": np.asarray([0.1, 0.2, 0.3, 0.4]), "by_digit": np.zeros((4, 3))}
    assert tracking.round_scalars(arms, metrics, seeds=2) == [
        ("filter-only/acc/seed0", 0.1),
        ("filter-only/acc/seed1", 0.2),
        ("boosting/acc/seed0", 0.3),
        ("boosting/acc/seed1", 0.4),
    ]
    assert tracking.round_scalars(["a", "b"], {"acc": np.asarray([0.5, 0.6])}, seeds=1) == [
        ("a/acc", 0.5),
        ("b/acc", 0.6),
    ]


def test_bad_log_backend_is_named(tmp_path, capsys):
    assert (
        main(["run", "sim", "--preset", "tiny", "--out", str(tmp_path / "r"), "--log", "mlflow"])
        == 2
    )
    assert "--log must be one of ['tensorboard', 'wandb']" in capsys.readouterr().err


def test_wandb_when_installed_else_a_clear_error(tmp_path, capsys, monkeypatch):
    try:
        import wandb  # noqa: F401
    except ImportError:
        assert (
            main(["run", "sim", "--preset", "tiny", "--out", str(tmp_path / "r"), "--log", "wandb"])
            == 2
        )
        assert "--log wandb needs the wandb package" in capsys.readouterr().err
        return
    monkeypatch.setenv("WANDB_MODE", "offline")
    out = tmp_path / "w"
    assert (
        main(["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet", "--log", "wandb"])
        == 0
    )
    assert (out / "wandb").exists()
