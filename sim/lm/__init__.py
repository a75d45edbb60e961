"""The toy-LLM testbed (FRAMEWORK.md §6): the round of §3 run by a small Flax transformer.

task.py        multi-digit addition: data, verifier, plausible wrong answers
model.py       the decoder-only transformer (Flax NNX) and its KV cache
sample.py      batched temperature / greedy decoding, with or without the cache
train.py       weighted next-token loss, AdamW, a jitted chunk of steps
round.py       curate (filter, allocate, label, mix, with the simulator's roles), evaluate
base.py        data sets and the base model, trained once per config and cached
run.py         one strategy x seed: rounds, checkpoints, resumption
testbed.py     every strategy x seed, summaries with 95% intervals (`run_testbed`)
config.py      `TestbedConfig`, validation, presets tiny / default / gpu
"""
