"""The task suite: every task, its generator, its oracle and its reference Turing machine.

Levels follow Delétang et al. 2023, "Neural Networks and the Chomsky Hierarchy". ``length`` is
the number of input symbols unless a task says otherwise (``length_unit``).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from tasks import generated
from tasks.base import ACCEPT_REJECT, Output, Task

BINARY = ("0", "1")
BYTES = tuple(chr(0x2800 + v) for v in range(256))   # Braille patterns: 8 dots = 8 bits
SORT_ALPHABET = ("0", "1", "2", "3", "4")
MODULUS = 5
MAX_REPEATS = 3

REGULAR, DCF, CS = "regular", "deterministic context-free", "context-sensitive"


# ---------------------------------------------------------------------- generators
def _strings(alphabet, n, rng) -> str:
    """n symbols drawn uniformly from ``alphabet``: the draws of ``rng.choice(alphabet, n)``
    (the same integers), without its conversion of the alphabet to an array on every call."""
    return "".join(map(alphabet.__getitem__, rng.integers(len(alphabet), size=n).tolist()))


def _positive_bits(n, rng) -> str:
    s = list(_strings(BINARY, n, rng))
    if "1" not in s:
        s[int(rng.integers(n))] = "1"
    return "".join(s)


def _repeat_input(alphabet, n, rng) -> str:
    return _strings(alphabet, n, rng) + "#" + "x" * int(rng.integers(1, MAX_REPEATS + 1))


def _expression(n, rng) -> str:
    digits = [str(d) for d in rng.integers(MODULUS, size=n)]
    ops = rng.choice(["+", "-"], size=n - 1)
    return digits[0] + "".join(o + d for o, d in zip(ops, digits[1:]))


def _dyck(n, rng) -> str:
    """Balanced about half the time (when n is even); otherwise one symbol flipped."""
    out, depth, opened = [], 0, 0
    for i in range(n):
        if opened < n // 2 and (depth == 0 or rng.random() < 0.5):
            out.append("(")
            opened, depth = opened + 1, depth + 1
        else:
            out.append(")")
            depth -= 1
    if n % 2 or rng.random() < 0.5:
        i = int(rng.integers(n))
        out[i] = "(" if out[i] == ")" else ")"
    return "".join(out)


def _palindrome(n, rng) -> str:
    if rng.random() < 0.5:
        return _strings(BINARY, n, rng)
    half = _strings(BINARY, n // 2, rng)
    middle = _strings(BINARY, n % 2, rng)
    return half + middle + half[::-1]


def _addition(n, rng) -> str:
    la = int(rng.integers(1, n - 1))
    return _strings(BINARY, la, rng) + "+" + _strings(BINARY, n - 1 - la, rng)


# ---------------------------------------------------------------------- oracles
def _increment(s: str) -> str:
    return format(int(s, 2) + 1, f"0{len(s)}b")


def _decrement(s: str) -> str:
    return format(int(s, 2) - 1, f"0{len(s)}b")


def _repeat(s: str) -> str:
    w, _, count = s.partition("#")
    return w * len(count)


def _evaluate(s: str) -> str:
    value, op = int(s[0]), None
    for c in s[1:]:
        if c in "+-":
            op = c
        else:
            value = value + int(c) if op == "+" else value - int(c)
    return str(value % MODULUS)


def _navigate(s: str) -> str:
    return str((s.count("+") - s.count("-")) % 5)


def _balanced(s: str) -> str:
    depth = 0
    for c in s:
        depth += 1 if c == "(" else -1
        if depth < 0:
            return "0"
    return "1" if depth == 0 else "0"


def _add(s: str) -> str:
    a, _, b = s.partition("+")
    total = int(a[::-1], 2) + int(b[::-1], 2)
    return format(total, "b")[::-1].ljust(max(len(a), len(b)), "0")


def _yes(flag: bool) -> str:
    return "1" if flag else "0"


def _positions() -> Output:
    return Output("state", verdicts={f"at{r}": str(r) for r in range(5)})


# ---------------------------------------------------------------------- the suite
def _copy(bits: int = 0) -> Task:
    alphabet = BYTES if bits else BINARY
    return Task("copy", CS, "reproduce the input (NTM paper); --bits 8: random 8-bit vectors",
                alphabet, alphabet, partial(_strings, alphabet), lambda s: s,
                partial(generated.copy, alphabet), Output("after", "#"),
                data_symbols=alphabet if bits else (), bits=8 if bits else 0)


def _repeat_copy(bits: int = 0) -> Task:
    alphabet = BYTES if bits else BINARY
    return Task("repeat_copy", CS, f"input w#x..x: output w once per x (1 to {MAX_REPEATS}; "
                "NTM paper)", (*alphabet, "#", "x"), alphabet, partial(_repeat_input, alphabet),
                _repeat, partial(generated.repeat_copy, alphabet), Output("after", "="),
                data_symbols=alphabet if bits else (), bits=8 if bits else 0,
                length_unit="symbols of w")


def _fixed(**kw) -> Callable[..., Task]:
    def make(bits: int = 0) -> Task:
        if bits:
            raise ValueError(f"task {kw['name']} has no --bits option (copy and repeat_copy do)")
        return Task(**kw)
    return make


_bits = partial(_strings, BINARY)
SUITE: dict[str, Callable[..., Task]] = {
    "copy": _copy,
    "repeat_copy": _repeat_copy,
    "invert": _fixed(name="invert", level=REGULAR, description="flip every bit (TerpreT)",
                     alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                     solve=lambda s: s.translate(str.maketrans("01", "10")),
                     program="invert.yaml"),
    "prepend_zero": _fixed(name="prepend_zero", level=REGULAR,
                           description="shift right and write 0 first (TerpreT)",
                           alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                           solve=lambda s: "0" + s, program="prepend_zero.yaml"),
    "binary_decrement": _fixed(name="binary_decrement", level=REGULAR,
                               description="subtract 1, most significant bit first, input > 0 "
                                           "(TerpreT)", alphabet=BINARY, output_alphabet=BINARY,
                               generate=_positive_bits, solve=_decrement,
                               program="binary_decrement.yaml"),
    "binary_increment": _fixed(name="binary_increment", level=REGULAR,
                               description="add 1, most significant bit first",
                               alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                               solve=_increment, program="binary_increment.yaml"),
    "parity": _fixed(name="parity", level=REGULAR, description="is the number of 1s even?",
                     alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                     solve=lambda s: _yes(s.count("1") % 2 == 0), program="parity.yaml",
                     output=ACCEPT_REJECT),
    "even_pairs": _fixed(name="even_pairs", level=REGULAR,
                         description="as many ab as ba pairs? (first symbol equals last)",
                         alphabet=("a", "b"), output_alphabet=BINARY,
                         generate=partial(_strings, ("a", "b")),
                         solve=lambda s: _yes(s[0] == s[-1]), program="even_pairs.yaml",
                         output=ACCEPT_REJECT),
    "modular_arithmetic": _fixed(name="modular_arithmetic", level=REGULAR,
                                 description=f"digits 0-{MODULUS - 1} joined by + and -, "
                                             f"left to right, mod {MODULUS}",
                                 alphabet=(*map(str, range(MODULUS)), "+", "-"),
                                 output_alphabet=tuple(map(str, range(MODULUS))),
                                 generate=_expression, solve=_evaluate,
                                 program=partial(generated.modular_arithmetic, MODULUS),
                                 output=Output("state", verdicts={f"res{r}": str(r)
                                                                  for r in range(MODULUS)}),
                                 length_unit="digits (the input has 2n-1 symbols)"),
    "cycle_navigation": _fixed(name="cycle_navigation", level=REGULAR,
                               description="+ forward, - back, = stay on a cycle of 5 from 0; "
                                           "the final position",
                               alphabet=("+", "-", "="), output_alphabet=tuple("01234"),
                               generate=partial(_strings, ("+", "-", "=")), solve=_navigate,
                               program="cycle_navigation.yaml", output=_positions()),
    "reverse": _fixed(name="reverse", level=DCF, description="the input backwards",
                      alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                      solve=lambda s: s[::-1], program=partial(generated.reverse, BINARY),
                      output=Output("after", "#")),
    "dyck": _fixed(name="dyck", level=DCF, description="are the parentheses balanced?",
                   alphabet=("(", ")"), output_alphabet=BINARY, generate=_dyck,
                   solve=_balanced, program="dyck.yaml", output=ACCEPT_REJECT),
    "palindrome": _fixed(name="palindrome", level=DCF,
                         description="does the input read the same backwards?",
                         alphabet=BINARY, output_alphabet=BINARY, generate=_palindrome,
                         solve=lambda s: _yes(s == s[::-1]), program="palindrome.yaml",
                         output=ACCEPT_REJECT),
    "duplicate": _fixed(name="duplicate", level=CS, description="w -> ww", alphabet=BINARY,
                        output_alphabet=BINARY, generate=_bits, solve=lambda s: s + s,
                        program=partial(generated.duplicate, BINARY)),
    "odds_first": _fixed(name="odds_first", level=CS,
                         description="the symbols at odd positions, then those at even ones",
                         alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                         solve=lambda s: s[0::2] + s[1::2],
                         program=partial(generated.odds_first, BINARY),
                         output=Output("after", "#")),
    "evens_first": _fixed(name="evens_first", level=CS,
                          description="the symbols at even positions, then those at odd ones: "
                                      "odds_first in the order of Delétang et al.'s code",
                          alphabet=BINARY, output_alphabet=BINARY, generate=_bits,
                          solve=lambda s: s[1::2] + s[0::2],
                          program=partial(generated.odds_first, BINARY, evens=True),
                          output=Output("after", "#")),
    "binary_addition": _fixed(name="binary_addition", level=CS,
                              description="a+b, least significant bit first; the sum has "
                                          "max(|a|,|b|) bits, one more on a final carry",
                              alphabet=(*BINARY, "+"), output_alphabet=BINARY,
                              generate=_addition, solve=_add, program="binary_addition.yaml",
                              output=Output("after", "="), min_length=3),
    "bucket_sort": _fixed(name="bucket_sort", level=CS,
                          description="sort the symbols of a 5-letter alphabet",
                          alphabet=SORT_ALPHABET, output_alphabet=SORT_ALPHABET,
                          generate=partial(_strings, SORT_ALPHABET),
                          solve=lambda s: "".join(sorted(s)),
                          program=partial(generated.bucket_sort, SORT_ALPHABET),
                          output=Output("after", "#")),
}
NAMES = tuple(SUITE)


class UnknownTask(KeyError):
    def __str__(self) -> str:
        return self.args[0]


BIT_TASKS = ("copy", "repeat_copy")      # the tasks that take bits=8


def get_task(name: str, *, bits: int = 0) -> Task:
    """The task called ``name``; ``bits=8`` gives copy and repeat_copy on 8-bit vectors."""
    if name not in SUITE:
        raise UnknownTask(f"unknown task {name!r}; the tasks are: {', '.join(NAMES)}")
    if bits not in (0, 8):
        raise ValueError("--bits takes 8 (the NTM paper's 8-bit vectors)")
    return SUITE[name](bits=bits)


def all_tasks() -> list[Task]:
    return [get_task(n) for n in NAMES]
