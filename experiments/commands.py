"""The command line's longer commands (`bench`, `reproduce`, `predict`, `calibrate`);
`experiments.cli` parses and dispatches. JAX is imported inside each, so `--help` answers at
once."""

from __future__ import annotations

from pathlib import Path

from experiments.errors import OptionError


def _cmd_bench(args) -> int:
    from experiments import compile_cache

    compile_cache.enable(off=args.no_compile_cache)
    if args.what == "sim":
        from experiments.bench_sim import main as bench

        return bench(small=args.small)
    if args.what == "lm":
        from experiments.bench_lm import main as bench

        argv = ["--size", args.size, "--repeats", "1" if args.small else "3"]
        bench(argv + (["--members", "4"] if args.small else []))
        return 0
    raise OptionError(f"bench target must be one of ['lm', 'sim']; got {args.what!r}")


def _only(text: str | None) -> tuple[str, ...] | None:
    from experiments import registry

    if text is None:
        return None
    from experiments.reproduce import CALIBRATION

    drawn = [*registry.reproduced(), CALIBRATION]
    only = tuple(n.strip() for n in text.split(",") if n.strip())
    if not only:
        raise OptionError(f"--only names no experiment; choose from {drawn}")
    for name in only:
        if name not in drawn:
            why = (
                "is not part of reproduce"
                if name in registry.experiments()
                else "is not an experiment"
            )
            raise OptionError(f"--only: {name!r} {why}; choose from {drawn}")
    return only


def _cmd_reproduce(args) -> int:
    from experiments import compile_cache
    from experiments.reproduce import reproduce

    only = _only(args.only)
    compile_cache.enable(off=args.no_compile_cache)
    report = reproduce(
        preset=args.preset,
        out=Path(args.out),
        force=args.force,
        progress=not args.quiet,
        only=only,
        log=args.log,
    )
    print(f"reproduce: {report.parent} (report: {report})")
    return 0


def _cmd_predict(args) -> int:
    from experiments import predict, predict_report

    result = predict.predict(Path(args.run_dir), tau=args.tau)
    out = Path(args.out) if args.out else Path("runs") / f"predict-{Path(args.run_dir).name}"
    predict_report.write(result, out)
    print(predict_report.markdown(result))
    print(f"predict: {result['experiment']} -> {out}")
    return 0


def _cmd_calibrate(args) -> int:
    from experiments.calibrate import calibrate

    calibrate(
        force=args.force,
        tolerance=args.tolerance,
        pass_at_k=args.pass_at_k,
        counts=args.counts,
        after=args.after,
        k=args.k,
        rounds=args.rounds,
        beta=args.beta,
        gamma=args.gamma,
        beta_hard=args.beta_hard,
        gamma_hard=args.gamma_hard,
        budget=args.budget,
        out=args.out,
        prompts=args.prompts,
        seeds=args.seeds,
        progress=not args.quiet,
    )
    return 0
