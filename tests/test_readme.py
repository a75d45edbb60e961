"""Every command of README.md works, as README.md holds it when the tests run.

The fenced ```bash blocks are split into shell commands (`&&`, `;` and line continuations
understood, comments dropped); each `python -m experiments ...` among them (also
`.venv/bin/python -m ...`, `python3 -m ...`, `PYTHONPATH=. python -m ...`) is

- parsed by the CLI's own parser and resolved as the CLI would (the experiment, its preset, every
  `--set` and `--seeds`; `reproduce --only`), at the preset it names — fast, always;
- run for real (marked slow) when its work is short: every simulator experiment, `calibrate`,
  `list`, `claims`, `options`, at `--preset tiny` and with `--out` in a temporary directory.
  Long work (`reproduce`, `bench`, the transformer testbed and fig8 at their written preset) is
  only parsed and resolved.

Other commands (`python3 -m venv`, `pip install`, `python -m pytest`) are CI's own steps and are
skipped. The ```python blocks are compiled (fast) and executed as they stand (slow).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import cli, registry

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Experiments built on the transformer testbed: minutes of work at the default preset.
LM_EXPERIMENTS = {"testbed", "fig8"}
# Commands that do little work, run at once.
QUICK = {"list", "claims", "options", "calibrate"}
_OPERATORS = {"&&", "||", ";", "|", "&"}
_PYTHON = re.compile(r"python(3(\.\d+)?)?")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}[ \t]*\n(.*?)^```", text, flags=re.M | re.S)


def _shell_commands() -> list[list[str]]:
    """Every simple command of the bash blocks, as tokens."""
    commands = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            current: list[str] = []
            for token in lexer:
                if token in _OPERATORS:
                    commands.append(current)
                    current = []
                else:
                    current.append(token)
            commands.append(current)
    return [c for c in commands if c]


def _experiments_argv(tokens: list[str]) -> list[str] | None:
    """The arguments after `python -m experiments`, or None for any other command."""
    while tokens and _ENV.match(tokens[0]):
        tokens = tokens[1:]  # PYTHONPATH=. and the like
    if len(tokens) >= 3 and _PYTHON.fullmatch(Path(tokens[0]).name):
        if tokens[1:3] == ["-m", "experiments"]:
            return tokens[3:]
    return None


def _commands() -> list[list[str]]:
    argvs = (_experiments_argv(tokens) for tokens in _shell_commands())
    return [argv for argv in argvs if argv is not None]


def _parse(argv: list[str]):
    try:
        return cli.build_parser().parse_args(argv)
    except SystemExit as exit_:
        pytest.fail(f"`python -m experiments {shlex.join(argv)}` does not parse ({exit_})")


def _short(argv: list[str]) -> bool:
    """Whether the command is run for real (at --preset tiny), not only resolved."""
    try:
        args = cli.build_parser().parse_args(argv)
    except SystemExit:
        return False  # test_command_parses_and_resolves reports it
    if args.command == "run":
        return args.name not in LM_EXPERIMENTS or args.preset == "tiny"
    if args.command == "reproduce":
        return args.preset == "tiny"
    return args.command in QUICK


def _without(argv: list[str], *options: str) -> list[str]:
    """`argv` less each `--option VALUE` and `--option=VALUE` of `options`."""
    out, skip = [], False
    for token in argv:
        if skip:
            skip = False
        elif token in options:
            skip = True
        elif not token.startswith(tuple(f"{o}=" for o in options)):
            out.append(token)
    return out


def _tiny(argv: list[str], out: Path) -> list[str]:
    """The command at --preset tiny, writing into `out`, quietly."""
    command = _parse(argv).command
    if command in ("run", "reproduce"):
        argv = _without(argv, "--preset", "--out") + ["--preset", "tiny", "--out", str(out)]
    elif command == "calibrate":
        argv = _without(argv, "--out") + ["--out", str(out)]
    if command in ("run", "reproduce", "calibrate") and "--quiet" not in argv:
        argv = argv + ["--quiet"]
    return argv


def _id(argv: list[str]) -> str:
    return shlex.join(argv)


COMMANDS = _commands()
SHORT = [argv for argv in COMMANDS if _short(argv)]
PYTHON_BLOCKS = _blocks("python")


def test_the_readme_has_commands_and_each_is_found():
    assert COMMANDS, "README.md shows no `python -m experiments` command"
    missed = [
        shlex.join(tokens)
        for tokens in _shell_commands()
        if any(tokens[i : i + 2] == ["-m", "experiments"] for i in range(len(tokens)))
        and _experiments_argv(tokens) is None
    ]
    assert not missed, f"commands this test does not recognise, so cannot check: {missed}"


@pytest.mark.parametrize("argv", COMMANDS, ids=_id)
def test_command_parses_and_resolves(argv):
    args = _parse(argv)
    if args.command == "run":
        exp = registry.get(args.name)
        cli._config(exp, args.preset, args.set or [], args.seeds)
        if _short(argv):  # the preset it is run at below
            cli._config(exp, "tiny", args.set or [], args.seeds)
    elif args.command == "options":
        registry.get(args.name).config(args.preset)
    elif args.command == "reproduce":
        only = cli._only(args.only)
        drawn = list(registry.reproduced().values())
        for exp in drawn:
            if only is None or exp.name in only:
                exp.config(args.preset)
    elif args.command == "bench":
        assert args.what in ("sim", "lm"), f"bench target {args.what!r}"
    elif args.command == "calibrate" and args.counts is not None:
        assert (ROOT / args.counts).is_file(), f"--counts {args.counts}: no such file"


@pytest.mark.parametrize("code", PYTHON_BLOCKS, ids=lambda c: c.splitlines()[0])
def test_python_block_compiles(code):
    compile(code, "README.md", "exec")


def _run(command: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, ESCAPING_COLLAPSE_NO_COMPILE_CACHE="1")
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("argv", SHORT, ids=_id)
def test_short_command_runs(argv, tmp_path):
    out = tmp_path / "out"
    argv = _tiny(argv, out)
    done = _run([sys.executable, "-m", "experiments", *argv])
    command = f"python -m experiments {shlex.join(argv)}"
    assert done.returncode == 0, f"`{command}` exited {done.returncode}:\n{done.stderr[-3000:]}"
    if _parse(argv).command == "run":
        assert (out / "DONE").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("code", PYTHON_BLOCKS, ids=lambda c: c.splitlines()[0])
def test_python_block_runs(code):
    done = _run([sys.executable, "-c", code])
    assert done.returncode == 0, f"README.md's python block failed:\n{done.stderr[-3000:]}"


def _first_five_minutes() -> list[list[str]]:
    """The shell commands of the first bash block under "## First five minutes"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## First five minutes", 1)[1]
    block = re.search(r"^```bash[ \t]*\n(.*?)^```", section, flags=re.M | re.S).group(1)
    commands = []
    for line in block.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in lexer:
            if token in _OPERATORS:
                commands.append(current)
                current = []
            else:
                current.append(token)
        commands.append(current)
    return [c for c in commands if c]


def test_first_five_minutes_installs_activates_and_reproduces():
    """The block a newcomer copies: a venv, activated (so every later `python` is the venv's),
    the package installed, then the smoke reproduce, then the full one."""
    commands = _first_five_minutes()
    assert commands[0][:3] == ["python3", "-m", "venv"], commands[0]
    assert [".", ".venv/bin/activate"] in commands or ["source", ".venv/bin/activate"] in commands
    assert ["pip", "install", "-e", "."] in commands
    argvs = [_experiments_argv(c) for c in commands]
    assert ["reproduce", "--preset", "tiny"] in argvs
    assert ["reproduce"] in argvs
    assert argvs.index(["reproduce", "--preset", "tiny"]) < argvs.index(["reproduce"])


@pytest.mark.slow
def test_first_five_minutes_smoke_run_runs(tmp_path):
    """The block's smoke reproduce, run as written (into a temporary --out): exit 0, and its
    REPORT.md says that its numbers mean nothing."""
    [argv] = [a for a in map(_experiments_argv, _first_five_minutes()) if a and "tiny" in a]
    out = tmp_path / "reproduce"
    done = _run([sys.executable, "-m", "experiments", *argv, "--out", str(out), "--quiet"])
    assert done.returncode == 0, done.stderr[-3000:]
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert "numbers mean nothing" in report


def test_the_readme_task_is_the_tested_one():
    """README's "Bring your own task" block (and docs/tasks.md's) hold, verbatim, the class
    that tests/lm/test_tasks.py checks for conformance and runs end to end, so the protocol the
    README shows cannot drift from the one the round uses."""
    tested = (ROOT / "tests" / "lm" / "reverse_task.py").read_text(encoding="utf-8")
    classes = tested[tested.index("class Strings") :].rstrip()
    section = README.read_text(encoding="utf-8").split("## Bring your own task", 1)[1]
    block = re.search(r"^```python[ \t]*\n(.*?)^```", section, flags=re.M | re.S).group(1)
    assert classes in block and "register_task(Reverse())" in block
    docs = (ROOT / "docs" / "tasks.md").read_text(encoding="utf-8")
    assert classes in docs
