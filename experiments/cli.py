"""The command line: `python -m experiments {list,claims,options,run,figure,bench,reproduce,
calibrate,predict}`.

JAX and the experiments are imported inside the commands, so `--help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from experiments.commands import (  # noqa: F401 (_only: used by tests)
    _cmd_bench,
    _cmd_calibrate,
    _cmd_predict,
    _cmd_reproduce,
    _only,
)
from experiments.devices import use_host_devices
from experiments.errors import OptionError


def _config(experiment, preset: str, sets: list[str], seeds: int | None):
    """The preset with every `--set` applied. All `--set` flags are read as one list, and a key
    given twice (in one flag or across flags, or as both `--seeds` and `--set seeds=`) is an
    error rather than a silent last-wins."""
    from experiments.configs.coerce import override, parse_sets

    config = experiment.config(preset)
    values = parse_sets(sets)
    if seeds is not None:
        if "seeds" in values:
            raise OptionError(
                f"--seeds {seeds} and --set seeds={values['seeds']} both give seeds; give one"
            )
        values["seeds"] = str(seeds)
    return override(config, values) if values else config


def _cmd_list(args) -> int:
    from experiments import registry

    for name, exp in registry.experiments().items():
        presets = ",".join(exp.presets)
        claims = f" [{', '.join(exp.claims)}]" if exp.claims else ""
        print(f"{name:14s} {exp.summary}{claims}  (presets: {presets})")
    from sim.strategies import PRESET_DOCS, PRESETS

    print("\nstrategies (--set strategy=NAME; each fills filter, allocation, mixture):")
    for name, doc in PRESET_DOCS.items():
        roles = ", ".join(f"{k}={v}" for k, v in PRESETS[name].items())
        print(f"  {name:18s} {doc}  [{roles}]")
    return 0


def _cmd_claims(args) -> int:
    from theory.registry import table

    print(table())
    return 0


def _cmd_options(args) -> int:
    from experiments import options, registry

    exp = registry.get(args.name)
    text = options.table(exp.config(args.preset))  # a bad name or preset fails before output
    print(f"{exp.name} --preset {args.preset}: --set KEY=VALUE for")
    print(text)
    return 0


def _cmd_run(args) -> int:
    from experiments import compile_cache, registry
    from experiments.driver import default_run_dir, execute, smoke_preset
    from experiments.reproduce import text_table
    from figures.style import smoke_mark

    exp = registry.get(args.name)
    config = _config(exp, args.preset, args.set or [], args.seeds)
    out = Path(args.out) if args.out else default_run_dir(exp.name, args.preset, config)
    compile_cache.enable(off=args.no_compile_cache)
    run_dir, status = execute(
        exp,
        config,
        out,
        force=args.force,
        progress=not args.quiet,
        log=args.log,
        preset=args.preset,
    )
    if exp.report is not None:  # the result, not only where it is
        print(text_table(exp.report(run_dir)))
        if smoke_preset(run_dir):
            print(f"({smoke_mark(args.preset)})")
    print(f"{exp.name}: {status} -> {run_dir}")
    return 0


def _cmd_figure(args) -> int:
    from experiments import registry, rundir
    from experiments.driver import draw_figure

    run_dir = Path(args.run_dir)
    path = run_dir / rundir.CONFIG_FILE
    if not path.is_file():
        raise OptionError(f"run_dir: {run_dir} is not a run directory (it holds no {path.name})")
    try:
        saved = rundir.read_json(path)
        name = saved["experiment"]
    except (ValueError, KeyError, TypeError):
        raise OptionError(f"run_dir: {path} is not a run's config (unreadable)") from None
    exp = registry.get(name)
    if exp.figure is None:
        raise OptionError(f"run_dir: experiment {exp.name!r} draws no figure")
    if not (run_dir / rundir.METRICS_FILE).is_file():
        raise OptionError(f"run_dir: {run_dir} holds no {rundir.METRICS_FILE}; run it first")
    try:
        paths = draw_figure(exp, run_dir)
    except OSError as err:  # a read-only run directory, a full disk: name the path
        raise OptionError(
            f"cannot write {err.filename or run_dir}: {err.strerror or err} (copy the run "
            "directory somewhere writable and draw it there)"
        ) from None
    for path in paths:
        print(path)
    return 0


class _Once(argparse._StoreAction):
    """`store`, but an option given twice is an error rather than a silent last-wins."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given", {})
        if self.dest in seen:
            raise argparse.ArgumentError(
                self, f"given twice ({seen[self.dest]!r} and {values!r}); give it once"
            )
        seen[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)


LOG_HELP = "tensorboard | wandb: also write the per-round metrics there (off by default)"
PRESET_HELP = "a preset of the experiment (`run NAME --help` lists its presets and options)"


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser. With `run NAME --help` (or `options NAME --help`) in `argv`, the help of
    --preset lists NAME's presets and the epilog its options (this reads the configs)."""
    preset_help, epilog = PRESET_HELP, None
    words = [a for a in argv or [] if not a.startswith("-")]
    command = next((i for i, w in enumerate(words[:-1]) if w in ("run", "options")), None)
    if command is not None and {"-h", "--help"} & set(argv or []):
        from experiments.options import help_texts  # imports JAX: only for NAME's --help

        preset_help, epilog = help_texts(words[command + 1]) or (preset_help, epilog)
    p = _Parser(prog="python -m experiments", description=__doc__)
    p.add_argument(
        "--host-devices",
        default="auto",
        metavar="N",
        help="CPU host devices for sweeps and testbed populations: a count, or 'auto' (one/core)",
    )
    p.add_argument(
        "--no-compile-cache",
        action="store_true",
        help="do not use JAX's persistent compilation cache (default: on, in "
        "$JAX_COMPILATION_CACHE_DIR or ~/.cache/escaping-collapse/jax)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="the experiments and their presets").set_defaults(fn=_cmd_list)
    sub.add_parser("claims", help="the claims C1-C8: functions, tests, figures").set_defaults(
        fn=_cmd_claims
    )

    opts = sub.add_parser("options", help="every --set key of an experiment: type, range, meaning")
    opts.add_argument("name")
    opts.add_argument("--preset", default="default", help=f"whose defaults to show: {preset_help}")
    opts.set_defaults(fn=_cmd_options)

    run = sub.add_parser(
        "run",
        help="run one experiment into a run directory",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("name")
    run.add_argument("--preset", default="default", help=preset_help)
    run.add_argument(
        "--set",
        nargs="*",
        action="extend",
        metavar="KEY=VALUE",
        help="override config options (repeatable; a key given twice is an error)",
    )
    run.add_argument("--seeds", type=int, default=None, help="number of seeds")
    run.add_argument(
        "--out",
        default=None,
        help="run directory (default runs/NAME-PRESET-HASH, HASH of the resolved config)",
    )
    run.add_argument("--force", action="store_true", help="overwrite a different config's run")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run from its checkpoints (also the default "
        "whenever the directory holds the same config)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.add_argument("--log", default=None, help=LOG_HELP)
    run.set_defaults(fn=_cmd_run)

    fig = sub.add_parser("figure", help="redraw the figure of a run directory")
    fig.add_argument("run_dir")
    fig.set_defaults(fn=_cmd_figure)

    bench = sub.add_parser("bench", help="speed benchmarks (print their numbers)")
    bench.add_argument("what", help="sim | lm")
    bench.add_argument("--small", action="store_true", help="a quick, smaller workload")
    bench.add_argument("--size", default="small", help="lm: model size (tiny | small | base)")
    bench.set_defaults(fn=_cmd_bench)

    rep = sub.add_parser("reproduce", help="run every experiment, draw every figure, REPORT.md")
    rep.add_argument("--preset", default="default", help="tiny | default | large")
    rep.add_argument("--out", default="runs/reproduce", help="output directory")
    rep.add_argument("--force", action="store_true", help="overwrite runs of other configs")
    rep.add_argument("--quiet", action="store_true")
    rep.add_argument("--log", default=None, help=LOG_HELP)
    rep.add_argument(
        "--only",
        default=None,
        metavar="NAMES",
        help="comma-separated experiments to run (default: all with a figure)",
    )
    rep.set_defaults(fn=_cmd_reproduce)

    pred = sub.add_parser(
        "predict", help="C8 predicts a testbed run (fig13 or fig8) from its measurements"
    )
    pred.add_argument("run_dir", help="a finished fig13 or fig8 run directory (only read)")
    pred.add_argument(
        "--tau",
        type=float,
        default=None,
        help="sharing weight in [0, 1] (default: fitted on fig8's unchecked arm; 0 for fig13)",
    )
    pred.add_argument("--out", default=None, help="run directory (default runs/predict-NAME)")
    pred.set_defaults(fn=_cmd_predict)

    cal = sub.add_parser("calibrate", help="fit Beta(a, b) to pass@k, predict rounds (§8)")
    cal.add_argument("--pass-at-k", default=None, metavar="K1:V1,K2:V2", help="observed pass@k")
    cal.add_argument("--counts", default=None, metavar="FILE", help="per-prompt counts (JSON)")
    cal.add_argument("--after", default=None, metavar="1:V", help="pass@1 after one round")
    cal.add_argument("--k", type=int, default=8, help="samples per prompt per round")
    cal.add_argument("--rounds", type=int, default=5)
    cal.add_argument("--beta", type=float, default=0.3, help="weak labeler's correct mass")
    cal.add_argument("--gamma", type=float, default=0.0, help="filter false-positive rate")
    cal.add_argument("--beta-hard", type=float, default=None, help="beta where a_0 = 0")
    cal.add_argument("--gamma-hard", type=float, default=None, help="gamma where a_0 = 0")
    cal.add_argument("--budget", type=float, default=None, help="labels per round")
    cal.add_argument(
        "--tolerance",
        type=float,
        default=0.02,
        help="largest |fitted - observed| pass@k accepted from a Beta fit to 3+ values",
    )
    cal.add_argument("--out", default="runs/calibrate", help="run directory (as for run)")
    cal.add_argument("--force", action="store_true", help="overwrite a calibration of other inputs")
    cal.add_argument("--prompts", type=int, default=2000, help="prompts of the Beta task")
    cal.add_argument("--seeds", type=int, default=4, help="sampled-mode seeds averaged")
    cal.add_argument("--quiet", action="store_true")
    cal.set_defaults(fn=_cmd_calibrate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    try:
        use_host_devices(args.host_devices)
        return args.fn(args)
    except ValueError as err:  # OptionError and other bad values: one clear line, no traceback
        if os.environ.get("EXPERIMENTS_DEBUG"):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the lock is released and every write was atomic
        if os.environ.get("EXPERIMENTS_DEBUG"):
            raise
        print("interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
