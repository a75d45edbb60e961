"""Experiments: configs, the command line, run directories. `experiments.load(run_dir)` reads a
run's metrics in long form (importing nothing heavy until called)."""


def load(run_dir):
    """metrics.csv of `run_dir`: a pandas DataFrame if pandas is installed, else a dict of NumPy
    arrays by column (experiment, arm, seed, round, metric, value)."""
    from experiments.longform import load as _load

    return _load(run_dir)
