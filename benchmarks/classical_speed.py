"""Speed of the classical engines, in simulated steps per second.

    python benchmarks/classical_speed.py [--repeat 3] [--skip-long]

Rows: BB(4) run to its halt many times over (per-run overhead included), the first 10^7 steps
of BB(5), and long busy-beaver runs to their halt: BB(5), BB(2,4) and two
3-state 3-symbol machines, on every engine (``macro`` with its block size searched for, as
``--engine macro`` does, and with the size and back symbol that search picks, fixed). Each
engine's figure is the best of ``--repeat`` timings; the plain loop only runs machines of at
most 10^8 steps. Then the BB(3,3) champion on the macro engine alone (its proven rules).

``--ligocki``: the long runners of issue 18's table, each to its halt on the default engine
(``--max-steps 10**5000``) in a process of its own with a time limit (``--timeout``, 60 s),
best of ``--repeat``, beside Ligocki's Quick_Sim times as measured when the issue was filed and,
with ``--quick-sim DIR`` (the Code folder of a sligocki/busy-beaver checkout, which this
repository does not include), Quick_Sim.py run side by side, its counts checked against ours::

    python benchmarks/classical_speed.py --ligocki --quick-sim ../busy-beaver/Code
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machines.classical import run  # noqa: E402
from machines.formats import load  # noqa: E402

BB4 = "1RB1LB_1LA0LC_1RZ1LD_1RD0RA"
BB5 = "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA"
TARGETS = {
    "BB(5)": BB5,
    "BB(2,4)": "1RB2LA1RA1RA_1LB1LA3RB1RZ",
    "3x3 (3.1e8 steps)": "1RB2RA2RC_1LC---1LA_1RA2LB1LC",
    "3x3 (4.9e9 steps)": "1RB---2RB_1LC0LB1RA_1RA2LC1RC",
}
# Beyond the chain engine: the BB(3,3) champion (1.19e17 steps; the macro engine's proven
# rules over symbolic run lengths), to a 1e13-step limit and to its halt.
LONG = {
    "BB(3,3) to 1e13 steps": ("0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC", 10**13),
    "BB(3,3) (1.2e17 steps)": ("0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC", 10**18),
}


# machine: steps to halt as published (Ligocki's repository, Machines/bb/*.txt and
# Machines/Tools/Marxen1-6x2, and the bbchallenge wiki), Quick_Sim's seconds on this machine
# when issue 18 was filed
LIGOCKI = {
    "1RB2LA1RA1RA_1LB1LA3RB1RZ": ("3,932,964", "0.79"),
    "1LB1LA_1RC1RB_0RF1RD_1LA0RE_0LA1RC_1LE1LZ": ("13,122,572,797", "0.82"),
    "0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC": ("1.19 x 10^17", "0.37-0.67"),
    "1RB1RA_1LC1LB_0RF1LD_1RA0LE_1RZ1LF_0LA0LC": ("8.7 x 10^15", "0.32"),
    "1RB0RC_0LA0RD_1RD1RZ_1LE0LD_1RF1LB_1RA1RE": ("5.4 x 10^42", "1.37"),
    "1RB2LA1RA2LB2LA_0LA2RB3RB4RA1RZ": ("about 10^704", "1.04"),
    "1RB0LC1RZ_2LC1RD0LB_2LA1LC1LA_1RB2LD2RA": ("about 10^1426", "1.61"),
    "1RB0LE_1LC0RA_1LD0RC_1LE0LF_1LA1LC_1LE1RZ": ("about 10^2879", "2.87"),
}


def _log10(digits: str, lead: str) -> str:
    """log10 of a count from its digit count and leading digits, to 5 decimals."""
    import math

    return f"{int(digits) - 1 + math.log10(int(lead) / 10 ** (len(lead) - 1)):.5f}"


def ligocki(timeout: float, quick_sim: str | None, repeat: int) -> None:
    """Each long runner to its halt, as a whole process (``python -c``, imports included),
    best of ``repeat``; with ``quick_sim`` (the Code folder of a sligocki/busy-beaver
    checkout), Quick_Sim.py on the same machine in the same run, alternating with tapelab's
    runs so that both see the same background load. Counts compared as log10 to 5 decimals
    (Quick_Sim prints no more for numbers this large)."""
    import subprocess

    code = ("import sys; sys.path.insert(0, %r); sys.set_int_max_str_digits(0)\n"
            "from machines.classical import run\nfrom machines.formats import load\n"
            "r = run(load(sys.argv[1]), max_steps=10**5000)\n"
            "print(r.reason, len(str(r.steps)), str(r.steps)[:12], len(str(r.tape.nonblank())),"
            " str(r.tape.nonblank())[:12])" % str(Path(__file__).resolve().parents[1]))

    class Timed(NamedTuple):
        seconds: float
        stdout: str

    def timed(cmd: list[str], cwd: str | None = None) -> Timed:
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
        return Timed(time.perf_counter() - t, out.stdout)

    print(f"{'machine':<44} {'steps (published)':>17} {'filed':>9} {'Quick_Sim':>9} "
          f"{'tapelab':>8}  {'log10 steps':>11} {'log10 ones':>10}  agree")
    for machine, (steps, filed) in LIGOCKI.items():
        ours = theirs = None
        quick_text = ""
        for _ in range(repeat):
            try:
                secs, out = timed([sys.executable, "-c", code, machine])
                ours = secs if ours is None else min(ours, secs)
                reason, digits, lead, ndigits, nlead = out.split()
            except subprocess.TimeoutExpired:
                reason = "timeout"
            if quick_sim:
                try:
                    secs, quick_text = timed([sys.executable, "Quick_Sim.py", machine],
                                             cwd=quick_sim)
                    theirs = secs if theirs is None else min(theirs, secs)
                except subprocess.TimeoutExpired:
                    pass
        if reason != "halt-state":
            print(f"{machine:<44} {steps:>17} {filed:>9} {'':>9} {'no answer':>8}")
            continue
        log_steps, log_ones = _log10(digits, lead), _log10(ndigits, nlead)
        agree = ""
        if quick_text:
            def theirs_log(label: str) -> str | None:
                """The last line ``label: N`` (or ``~10^X``) Quick_Sim printed, as log10."""
                lines = [x for x in quick_text.splitlines() if x.startswith(label + ":")]
                if not lines:
                    return None
                value = lines[-1].split(":", 1)[1].split("=")[-1].strip().replace("_", "")
                if value.startswith("~10^"):
                    return f"{float(value[4:]):.5f}"
                return _log10(str(len(value)), value[:12])
            agree = "yes" if (theirs_log("Steps"), theirs_log("Nonzeros")) == \
                (log_steps, log_ones) else "NO"
        quick = f"{theirs:.2f} s" if theirs is not None else ""
        print(f"{machine:<44} {steps:>17} {filed:>9} {quick:>9} {ours:>6.2f} s  "
              f"{log_steps:>11} {log_ones:>10}  {agree}", flush=True)


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bb4-runs", type=int, default=2000)
    ap.add_argument("--bb5-steps", type=int, default=10_000_000)
    ap.add_argument("--skip-long", action="store_true",
                    help="skip the 4.9e9-step machine and BB(3,3)")
    ap.add_argument("--ligocki", action="store_true", help="only the long runners' table")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--quick-sim", metavar="DIR", help="--ligocki: also run Quick_Sim.py from "
                    "DIR (the Code folder of a sligocki/busy-beaver checkout) side by side")
    args = ap.parse_args()
    if args.ligocki:
        ligocki(args.timeout, args.quick_sim, args.repeat)
        return
    print(f"{'machine':<28} {'engine':<6} {'steps':>23} {'nonzero':>11} {'seconds':>9} "
          f"{'steps/s':>24} {'speed-up':>9}")

    def row(name, engine, steps, nonzero, secs, plain_rate=None):
        rate = steps / secs
        up = f"{rate / plain_rate:>8.0f}x" if plain_rate else ""
        print(f"{name:<28} {engine:<6} {steps:>23,} {nonzero:>11,} {secs:>9.3f} {rate:>24,.0f} "
              f"{up:>9}", flush=True)
        return rate

    bb4 = load(BB4)
    r4 = run(bb4)
    for engine in ("plain", "chain"):
        t = best_of(args.repeat, lambda: [run(bb4, engine=engine) for _ in range(args.bb4_runs)])
        row(f"BB(4) x {args.bb4_runs} runs", engine, r4.steps * args.bb4_runs, r4.tape.nonblank(),
            t)
    bb5 = load(BB5)
    plain_rate = None
    for engine in ("plain", "chain"):
        r = run(bb5, max_steps=args.bb5_steps, engine=engine)
        t = best_of(args.repeat, lambda: run(bb5, max_steps=args.bb5_steps, engine=engine))
        rate = row(f"BB(5), first {args.bb5_steps:.0e} steps", engine, r.steps,
                   r.tape.nonblank(), t, plain_rate)
        plain_rate = plain_rate or rate
    for name, text in TARGETS.items():
        if args.skip_long and "4.9e9" in name:
            continue
        program = load(text)
        r = run(program, max_steps=10**11)
        plain_rate = None
        if r.steps <= 10**8:
            t = best_of(1, lambda: run(program, max_steps=10**11, engine="plain"))
            plain_rate = row(name, "plain", r.steps, r.tape.nonblank(), t)
        t = best_of(args.repeat, lambda: run(program, max_steps=10**11, engine="chain"))
        row(name, "chain", r.steps, r.tape.nonblank(), t, plain_rate)
        t = best_of(args.repeat, lambda: run(program, max_steps=10**11, engine="macro"))
        row(name, "macro", r.steps, r.tape.nonblank(), t, plain_rate)
        k, back = macro_choice(program)
        t = best_of(args.repeat, lambda: run(program, max_steps=10**11, engine="macro",
                                             block=k, back=back))
        row(name, f"k={k}{'+b' if back else ''}", r.steps, r.tape.nonblank(), t, plain_rate)
    for name, (text, limit) in LONG.items():
        if args.skip_long:
            continue
        program = load(text)
        r = run(program, max_steps=limit, engine="macro")
        t = best_of(args.repeat, lambda: run(program, max_steps=limit, engine="macro"))
        row(name, "macro", r.steps, r.tape.nonblank(), t)
        t = best_of(args.repeat, lambda: run(program, max_steps=limit, engine="macro",
                                             block=1, back=False))
        row(name, "k=1", r.steps, r.tape.nonblank(), t)


def macro_choice(program):
    """The block size and back symbol the macro engine's search picks for ``program`` (a
    :class:`machines.macro.MacroChoice`)."""
    from machines.chain import run_chain
    from machines.macro import PILOT_MOVES, choose

    table = program.transitions([])
    return choose(table, [], 0, run_chain(table, [], 0, 10**11, max_moves=PILOT_MOVES), 10**11)


if __name__ == "__main__":
    main()
