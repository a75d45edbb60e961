"""A third testbed task in about 30 lines (docs/tasks.md): reverse a string of n letters."""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from sim.lm.tasks import counts, no_filter, round_problems_from, set_sizes


class Strings(NamedTuple):
    prompts: np.ndarray  # [N, D + 1] letters, `_` padding, `|`
    answers: np.ndarray  # [N, D + 1] the letters reversed, `.`, PAD
    difficulty: np.ndarray  # [N] the number of letters


class Reverse:
    """Prompt `cab__|` (n = 1..max_digits letters, padded), answer `bac.`; difficulty n."""

    name, chars = "reverse", "abcdefghij_|._"
    vocab_size, eos, pad, has_filter, base_fields = 14, 12, 13, False, ("task",)
    difficulty_label = "{n} letters"
    accepts = staticmethod(no_filter)

    def difficulties(self, c):
        return c.max_digits

    def prompt_len(self, c):
        return c.max_digits + 1

    def answer_len(self, c):
        return c.max_digits + 1

    def make_sets(self, c):  # strings of each length split between the sets: disjoint
        rng, d, out = np.random.default_rng(c.data_seed), c.max_digits, {}
        need = {s: counts(n, w) for s, (n, w) in set_sizes(c).items()}
        for n in range(1, d + 1):
            pool = rng.permutation(10**n)
            for i, s in enumerate(need):
                take = rng.choice(pool[i::3], need[s][n - 1])  # a third each, with repeats
                digits = (take[:, None] // 10 ** np.arange(n)) % 10  # [N, n] letters
                row = np.full((len(take), d + 1), 10)
                row[:, :n], row[:, d] = digits, 11
                ans = np.full((len(take), d + 1), 13)
                ans[:, :n], ans[:, n] = digits[:, ::-1], 12
                out.setdefault(s, []).append((row, ans, np.full(len(take), n)))
        return {s: Strings(*map(np.concatenate, zip(*v, strict=True))) for s, v in out.items()}

    def prompt_strings(self, p):
        return ["".join(self.chars[t] for t in row) for row in p.prompts]

    def round_problems(self, c, p, bank_size):  # wrong: one letter off, by kind and slot
        w = bank_size or 1
        bank = np.broadcast_to(p.answers[:, None, None], (len(p.answers), 3, w, c.max_digits + 1))
        bank = bank.copy()
        bank[..., 0] = (bank[..., 0] + 1 + np.arange(3 * w).reshape(3, w) % 9) % 10
        return round_problems_from(p.prompts, p.answers, p.answers, p.difficulty, bank)

    def verify(self, answers, reference):
        return jnp.all(answers == reference, axis=-1)
