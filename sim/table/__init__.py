"""The finite-vocabulary backend: tasks as tables [P, V], rollouts, sweeps, a NumPy reference."""
