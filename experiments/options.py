"""`python -m experiments options NAME`: every --set key with its type, default, range, meaning;
and docs/options.md, the same for every experiment (`python -m experiments.options`).

Everything here is read from the option declarations on the config dataclasses
(`experiments.configs.spec`); nothing is restated.
"""

from __future__ import annotations

import dataclasses

from experiments.configs import spec


def describe(config) -> list[dict[str, str]]:
    """One row per --set key of `config` (its own fields, then its base config's)."""
    return spec.describe(config)


def table(config) -> str:
    """The rows of `describe` as aligned text: `key  type, default D, in RANGE` and the meaning."""
    rows = describe(config)
    width = max(len(r["key"]) for r in rows)
    lines = []
    for r in rows:
        lines.append(f"{r['key']:{width}s}  {r['type']}, default {r['default']}, in {r['range']}")
        lines.append(f"{'':{width}s}  {r['meaning']}")
    return "\n".join(lines)


def help_texts(name: str) -> tuple[str, str] | None:
    """(help of --preset, epilog listing presets and options) of experiment `name` for
    `run NAME --help`; None for an unknown name."""
    from experiments import registry

    try:
        exp = registry.get(name)
    except ValueError:
        return None
    presets = " | ".join(exp.presets)
    epilog = (
        f"presets of {name}: {presets}\n\n--set KEY=VALUE for {name} (--preset default):\n"
        + table(exp.config("default"))
    )
    return f"one of {presets} (default: default)", epilog


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_rows(rows: list[dict[str, str]]) -> list[str]:
    out = ["| key | type | default | valid | meaning |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [f"`{r['key']}`", r["type"], f"`{r['default']}`", r["range"], r["meaning"]]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def markdown() -> str:
    """docs/options.md: every experiment's keys at its default preset. A config with a `base`
    lists its own keys, then the base config's keys whose values differ from that config's
    class defaults (the other base keys are as in its own table)."""
    from experiments import registry

    lines = [
        "# Options",
        "",
        "Every `--set KEY=VALUE` of every experiment, at the `default` preset: type, default,",
        "valid values and meaning. Generated from the option declarations on the config",
        "dataclasses (`experiments/configs/`) by",
        "`python -m experiments.options > docs/options.md`; a test checks that this file",
        "matches them. `python -m experiments options NAME --preset P` lists the same for any",
        "preset. An optional value is unset with `auto` (its meaning follows `or auto:`).",
        "",
    ]
    for name, exp in registry.experiments().items():
        config = exp.config("default")
        presets = ", ".join(exp.presets)
        lines += [f"## {name}", "", f"Presets: {presets}.", ""]
        own = [r for r in describe(config) if r["key"] in spec.specs(type(config))]
        base = getattr(config, "base", None)
        if own:
            lines += _markdown_rows(own) + [""]
        if dataclasses.is_dataclass(base):
            cls = type(base)
            defaults = cls()
            changed = [
                r
                for r in spec.describe(base)
                if getattr(base, r["key"]) != getattr(defaults, r["key"])
            ]
            where = next(
                (n for n, e in registry.experiments().items() if type(e.config("default")) is cls),
                None,
            )
            lines.append(
                f"Plus every key of `{cls.__name__}` (see `{where}` above), with these values "
                "changed:"
                if changed
                else f"Plus every key of `{cls.__name__}` (see `{where}` above), unchanged."
            )
            lines.append("")
            if changed:
                lines += _markdown_rows(changed) + [""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
