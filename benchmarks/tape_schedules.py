"""For which lengths does a discrete tape with the Tape-RNN's moves have a program, per task?

    python benchmarks/tape_schedules.py [--tasks duplicate,reverse,odds_first]
                                        [--sizes 1:1,2:1] [--timings deletang,tapelab]
                                        [--max-length 12] [--timeout 600] [--knows-length]
                                        [--replay-to 100] [--show TASK:B:C:TIMING:N]

Each row asks Z3 (:mod:`analysis.tape_schedules`) for one program that copies the task's
answer at every length 1..N, N = 1, 2, ..., with a controller that holds ``b`` symbols and
cells that hold ``c`` (``--sizes b:c``), and stops at the first N that has none: then no
program of that kind works at any longer set of lengths either. ``--knows-length`` asks each
length on its own, for a machine told n; that scan goes on to ``--max-length``. Every
schedule found is replayed in plain Python (:func:`analysis.tape_schedules.replay`); the
``replayed`` column says whether all of them passed. ``--show`` prints one schedule step by
step instead of the tables. ``--tasks odds_first@deletang`` asks for odds_first's answer in
the order of Delétang et al.'s code (s_2 s_4 ... s_1 s_3 ...; the suite's is s_1 s_3 ... first).

A first table replays the write-once programs (:func:`analysis.tape_schedules.write_once`:
write s_t in cell t-1 while moving right, then read back) at every length 1..``--replay-to``:
one program for all those lengths, where the task and timing have one. None is given for
duplicate in Delétang et al.'s timing: with no step between the input and the answer, the
write-once layout needs the head back on s_k's cell n steps after it wrote s_k, and n moves of
one cell, or n - 1 of them and one jump of n, end one cell short. (Z3 finds other programs
there for short lengths: the second table.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.tape_schedules import (  # noqa: E402
    MOVES, TIMINGS, Answer, Question, reads, replay, scan, solve, sources, write_once)


def _sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        b, sep, c = part.partition(":")
        if not sep or not b.strip().isdigit() or not c.strip().isdigit():
            raise ValueError(f"{part!r} is not b:c (two whole numbers, such as 2:1)")
        out.append((int(b), int(c)))
    return out


def _show(spec: str, timeout: float) -> None:
    fields = spec.split(":")
    if len(fields) != 5 or not all(f.isdigit() for f in fields[1:3] + fields[4:]):
        sys.exit(f"--show {spec!r}: give TASK:B:C:TIMING:N, such as odds_first:2:1:deletang:8")
    task, b, c, timing, n = fields[0], int(fields[1]), int(fields[2]), fields[3], int(fields[4])
    if timing not in TIMINGS:
        sys.exit(f"--show: timing {timing!r} is not one of {', '.join(TIMINGS)}")
    question = Question(task, tuple(range(1, n + 1)), b, c, TIMINGS[timing])
    answer = solve(question, timeout_s=timeout)
    print(f"{task}, b={b}, c={c}, {timing} timing, lengths 1-{n}: {answer.verdict} "
          f"in {answer.seconds:.1f} s")
    if answer.verdict != "found":
        return
    faults = replay(question, answer.runs)
    print("replayed:", "ok" if not faults else "; ".join(faults[:5]))
    run = max(answer.runs, key=lambda r: r.length)
    print(f"\nthe run at length {run.length} (symbols by input position, 1-based)\n")
    print("| step | input | head | reads | writes | holds | move | due |")
    print("|---|---|---|---|---|---|---|---|")
    for t, (step, read) in enumerate(zip(run.steps, reads(run)), start=1):
        seen = sorted(read.symbols)
        x = f"s{t}" if t <= run.length else "-"
        print(f"| {t} | {x} | {step.position} | {seen} | {sorted(step.write)} | "
              f"{sorted(step.hold)} | {MOVES[step.move]} | {f's{step.due}' if step.due else ''} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="duplicate,reverse,odds_first")
    parser.add_argument("--sizes", default="1:1,2:1", help="b:c pairs, comma-separated")
    parser.add_argument("--timings", default="deletang,tapelab")
    parser.add_argument("--max-length", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per question")
    parser.add_argument("--knows-length", action="store_true")
    parser.add_argument("--replay-to", type=int, default=100,
                        help="replay the write-once programs at lengths 1..N (0: skip)")
    parser.add_argument("--show")
    args = parser.parse_args()
    if args.timeout <= 0 or args.max_length < 1:
        parser.error("--timeout and --max-length must be positive")
    if args.show:
        try:
            _show(args.show, args.timeout)
        except ValueError as err:
            sys.exit(f"--show: {err}")
        return
    try:
        sizes = _sizes(args.sizes)
    except ValueError as err:
        parser.error(f"--sizes: {err}")
    tasks = [t.strip() for t in args.tasks.split(",")]
    timings = [t.strip() for t in args.timings.split(",")]
    for name in timings:
        if name not in TIMINGS:
            parser.error(f"--timings: {name!r} is not one of {', '.join(TIMINGS)}")
    for task in tasks:
        try:
            sources(task, 2)
        except (ValueError, KeyError) as err:
            parser.error(f"--tasks: {err}")

    if args.replay_to > 0:
        print(f"the write-once programs, replayed at every length 1..{args.replay_to}\n")
        print("| task | timing | b | c | replayed |")
        print("|---|---|---|---|---|")
        lengths = tuple(range(1, args.replay_to + 1))
        for task in tasks:
            for timing in timings:
                try:
                    runs = tuple(write_once(task, n, TIMINGS[timing]) for n in lengths)
                except ValueError:
                    continue
                b = max(len(s.hold) for r in runs for s in r.steps)
                c = max(len(s.write) for r in runs for s in r.steps)
                faults = replay(Question(task, lengths, b, c, TIMINGS[timing]), runs)
                print(f"| {task} | {timing} | {b} | {c} | "
                      f"{'yes' if not faults else 'NO: ' + faults[0]} |")
        print()

    mode = ("each length on its own (n known)" if args.knows_length
            else "one program for lengths 1..N")
    print(f"{mode}; up to N = {args.max_length}, {args.timeout:.0f} s per question\n")
    columns = (("lengths with a program", "lengths with none") if args.knows_length else
               ("a program for all of 1..N, up to N =", "none for 1..N, from N ="))
    print(f"| task | timing | b | c | {columns[0]} | {columns[1]} | seconds | replayed |")
    print("|---|---|---|---|---|---|---|---|")

    def note(answer: Answer) -> None:
        print(f"  ... {answer.question.task} {answer.question.timing.name} "
              f"b={answer.question.buffer} c={answer.question.cell} "
              f"N={max(answer.question.lengths)}: {answer.verdict} ({answer.seconds:.1f} s)",
              file=sys.stderr, flush=True)

    for task in tasks:
        for timing in timings:
            for b, c in sizes:
                result = scan(task, buffer=b, cell=c, timing=TIMINGS[timing],
                              max_length=args.max_length, knows_length=args.knows_length,
                              timeout_s=args.timeout, progress=note)
                faults = [f for a in result.answers if a.verdict == "found"
                          for f in replay(a.question, a.runs)]
                last = result.answers[-1]
                if args.knows_length:
                    none = ", ".join(str(max(a.question.lengths)) for a in result.answers
                                     if a.verdict == "none") or "-"
                    found = ", ".join(str(max(a.question.lengths)) for a in result.answers
                                      if a.verdict == "found") or "-"
                    reach, stop = found, none
                else:
                    reach = str(result.longest)
                    stop = (str(result.first_without) if result.first_without is not None
                            else f"unknown at {max(last.question.lengths)}"
                            if last.verdict == "unknown" else f"- (asked up to {args.max_length})")
                print(f"| {task} | {timing} | {b} | {c} | {reach} | {stop} | "
                      f"{result.seconds:.1f} | {'yes' if not faults else 'NO: ' + faults[0]} |",
                      flush=True)


if __name__ == "__main__":
    main()
