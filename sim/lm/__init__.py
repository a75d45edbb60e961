"""The toy-LLM testbed: the round of FRAMEWORK.md §3 run by a small Flax transformer."""
