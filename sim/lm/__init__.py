"""The transformer backend (the toy-LLM testbed): the round of §3 run by a small Flax decoder.

task.py        multi-digit addition: data, verifier, plausible wrong answers
model.py       the decoder-only transformer (Flax NNX) and its KV cache
sample.py      batched temperature / greedy decoding, with or without the cache
train.py       weighted next-token loss, AdamW, a jitted chunk of steps
round.py       curate (filter, allocate, label, mix, with the shared roles), evaluate
strategy.py    strategy names resolved to the round's static roles and parameters
base.py        data sets and the base model's training
run.py         a run's state and one round: sample, curate, fine-tune, evaluate
shard.py       the population's member axis over a device mesh: pad, place, gather

It writes no files: run directories, checkpoints and caches are the experiments layer's.
"""
