"""tapelab's command line: parses options, calls the packages, prints. No logic lives here.

Run ``tapelab --help`` (or ``python cli.py --help``) for the commands.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import time
import warnings
from pathlib import Path

import click
from click.core import ParameterSource

from machines import registry

FORMATS = ("auto", "yaml", "morphett", "bb")


MAX_STEP_DIGITS = 10_000   # --max-steps up to 10**10000: beyond the longest known halting runs


class StepCount(click.ParamType):
    """A step count: 100000000, 1e8, 10**8 or 10^8 (exact integers only, at most 10**10000)."""

    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).replace("_", "").replace(",", "").strip()
        hint = f"{value!r} is not a step count (write 100000000, 1e8 or 10**8)"
        try:
            n = _step_count(text)
        except _NotAStepCount as err:
            self.fail(str(err), param, ctx)
        except ValueError:
            self.fail(hint, param, ctx)
        if n < 0:
            self.fail("a step count cannot be negative", param, ctx)
        return n


class _NotAStepCount(ValueError):
    """A number that parses but is no step count (negative exponent, fraction, too big)."""


def _step_count(text: str) -> int:
    """``text`` as an exact integer; ``ValueError`` (with a message where it helps) if it is
    not one, or has more than ``MAX_STEP_DIGITS`` digits (checked before it is computed)."""
    import math

    too_big = _NotAStepCount(f"at most 10**{MAX_STEP_DIGITS} steps")
    for sep in ("**", "^"):
        if sep in text:
            base, exp = (int(x) for x in text.split(sep))
            if exp < 0:
                raise _NotAStepCount("a step count is a whole number: the exponent cannot "
                                     "be negative")
            if abs(base) > 1 and exp * math.log10(abs(base)) > MAX_STEP_DIGITS:
                raise too_big
            return base ** exp
    if "e" in text.lower():
        mantissa, exp_text = text.lower().split("e")
        exp = int(exp_text)
        whole, _, frac = mantissa.partition(".")
        if exp < len(frac):
            raise _NotAStepCount(f"{text!r} is not a whole number of steps")
        if exp > MAX_STEP_DIGITS:
            raise too_big
        return int(whole + frac) * 10 ** (exp - len(frac))
    if len(text.lstrip("+-")) > MAX_STEP_DIGITS + 1:
        raise too_big
    return int(text)


class Number(click.FloatRange):
    """A finite number in a range: ``nan`` and ``inf`` are refused (FloatRange lets nan by)."""

    def convert(self, value, param, ctx):
        import math

        if isinstance(value, str) and value.strip().lower() in ("nan", "+nan", "-nan"):
            self.fail(f"{value!r} is not a number", param, ctx)
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


SEED = click.IntRange(0, 2**32 - 1)
MAX_LENGTH = 1000          # the longest input any command trains or evaluates on
MAX_THREADS = 4 * (os.cpu_count() or 1)
LENGTH = click.IntRange(1, MAX_LENGTH)
MAX_SAMPLES = 100_000      # examples per length in an evaluation or a sample
STANDARD_STREAM = "-"      # as PROGRAM: standard input; as -o: standard output

# Exit codes, the same for every command (README: "Exit codes").
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_STEP_LIMIT, EXIT_NEVER, EXIT_BREAKPOINT = 0, 1, 2, 3, 4, 5
EXIT_HALTED = EXIT_OK
EXIT_MEMORY, EXIT_TAPE_LIMIT, EXIT_INTERNAL, EXIT_INTERRUPTED = 6, 7, 70, 130
FAILED_WRITES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}  # only writes give these
# The demo's NTM: 1,600 steps of batch 32 (about 3 min on 2 cores) and seed 1, chosen after
# seeing seeds 0-4 at that budget (results/demo_ntm_seeds: 4 of 5 copy at 6x; seed 0 does not).
DEMO_STEPS, DEMO_SEED, DEMO_LENGTH, DEMO_SAMPLES = 1600, 1, 20, 50
MEMORY_HINTS = {"run": "--max-steps", "train": "--batch or the model size",
                "eval": "--samples or --lengths", "induce": "--restarts, --tape-length or "
                "--steps", "compare": "--samples, --lengths or --restarts",
                "task": "--length or --count"}


def _fail(message: str, code: int = EXIT_INVALID) -> "click.exceptions.Exit":
    click.echo(f"error: {_printable(message)}", err=True)
    return click.exceptions.Exit(code)


def _output_failed(err: Exception) -> "click.exceptions.Exit":
    """Exit 2 for a path that would lose something (the wrong --out or -o), 1 for a write
    that failed (a full disk, a folder without write permission)."""
    from machines.files import Refused

    return _fail(str(err), EXIT_USAGE if isinstance(err, Refused) else EXIT_INVALID)


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so nothing read from a file can drive the
    terminal (a symbol holding ESC prints as \\x1b)."""
    from machines.display import printable

    return printable(text)


class Tapelab(click.Group):
    """The command group, and the last-resort boundary around every command.

    Errors that commands expect are handled where they arise, with their own message and
    exit code. Whatever escapes them becomes one line here: Ctrl-C exits 130, a
    ``MemoryError`` 6 with the option to lower, anything else 70 with a request to report it.
    ``--debug`` (or ``TAPELAB_DEBUG=1``) lets the traceback through instead.
    """

    def parse_args(self, ctx, args):
        ctx.meta["tapelab.args"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        debug = ctx.params.get("debug") or os.environ.get("TAPELAB_DEBUG", "") not in ("", "0")
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader of our output went away (`tapelab run P --trace | head`): click's
            # main stops quietly, exit 1, and keeps Python's last flush from complaining.
            raise
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except MemoryError as err:
            if debug:
                raise
            command = ctx.invoked_subcommand or "tapelab"
            raise _fail(f"out of memory{': ' + str(err) if str(err) else ''}; lower "
                        f"{MEMORY_HINTS.get(command, 'the sizes you asked for')}",
                        EXIT_MEMORY) from None
        except Exception as err:
            if debug:
                raise
            if isinstance(err, OSError) and err.errno in FAILED_WRITES:
                # A write no command expected to fail: its standard output on a full disk
                # (`> /dev/full`). Nothing more will reach that output, even at exit.
                sys.stdout = open(os.devnull, "w")
                raise _fail(f"could not write {err.filename or 'the output'}: "
                            f"{err.strerror}") from None
            args = " ".join(ctx.meta.get("tapelab.args", []))
            raise _fail(f"`tapelab {args}` failed unexpectedly ({type(err).__name__}: "
                        f"{str(err).splitlines()[0] if str(err) else 'no message'}); please "
                        "report it with that command line (TAPELAB_DEBUG=1 shows the "
                        "traceback)", EXIT_INTERNAL) from None


def _refuse_a_terminal(program: str) -> None:
    """``-`` on a terminal would wait for typing; say how it is meant."""
    if program == STANDARD_STREAM and (sys.stdin is None or sys.stdin.isatty()):
        raise click.BadParameter("- reads the program from standard input; pipe one in "
                                 "(cat bb4.yaml | tapelab run -)", param_hint="PROGRAM")


def _load(program: str, fmt: str, start: str | None = None):
    """Load a program; bad programs exit 1 with one line, missing files exit 2."""
    from machines.errors import ProgramError
    from machines.formats import load

    options = {"start": start} if start else {}
    if start and fmt not in ("morphett", "auto"):
        raise click.UsageError("--start applies to Morphett programs only")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _refuse_a_terminal(program)
            loaded = load(program, fmt, **options)
        except FileNotFoundError as err:
            raise click.BadParameter(str(err), param_hint="PROGRAM") from None
        except TypeError:
            raise click.UsageError("--start applies to Morphett programs only") from None
        except ProgramError as err:
            raise _fail(str(err)) from None
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    return loaded


@click.group(cls=Tapelab,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tapelab", prog_name="tapelab")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an unexpected error "
              "(also TAPELAB_DEBUG=1).")
def cli(debug: bool) -> None:
    """tapelab: a classical Turing machine and its differentiable counterparts, side by side.

    \b
    Start here:
      tapelab demo                          train the NTM, the LSTM and the soft TM for a few
                                            minutes, then open their comparison report
      tapelab run PROGRAM --trace           run any program (YAML, Morphett, bbchallenge)
      tapelab run 1RB1LB_1LA0LC_1RZ1LD_1RD0RA   a bbchallenge string works as PROGRAM
    \b
    Exit codes (every command): 0 done, 1 invalid input (a program, a run directory, a
    damaged file), a failed write or a reader that stopped early (| head), 2 usage error
    (also an output that would replace what tapelab did not make, or a directory another
    tapelab command is filling), 6 out of memory, 70 internal error (please report it),
    130 interrupted; `run` also 3 step limit, 4 never halts, 5 breakpoint.
    """
    sys.set_int_max_str_digits(0)       # --json prints exact counts of any size


@cli.command()
@click.argument("program")
@click.option("--input", "-i", "tape_input", metavar="STR",
              help="Initial tape, written from the head's cell rightwards (a space is a blank; "
                   "in Morphett programs a * marks the head's start cell). Default: the "
                   "program's own input, if it has one, else a blank tape.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Program format; auto detects it from the extension and the content.")
@click.option("--start", help="Start state of a Morphett program (Morphett's default is 0).")
@click.option("--max-steps", type=StepCount(), default=100_000_000, show_default=True,
              help="Stop after this many steps (exit code 3 if the machine has not halted); "
                   "1e12 and 10**12 work too.")
@click.option("--engine", type=click.Choice(["auto", "plain", "chain", "macro"]),
              default="auto", show_default=True, help="plain: one step at a time; chain: a "
              "run-length tape that crosses a run in one step and proves some machines never "
              "halt (cycle, translated-cycle, runs-off); macro: chain steps over blocks of k "
              "cells, the symbol behind the head kept in the state, and proven rules over "
              "symbolic run lengths (for long counters; infinite-rule: a rule that applies "
              "forever); auto: chain up to 10^9 steps, macro "
              "beyond. All give the same result.")
@click.option("--block", type=click.IntRange(1, 64), metavar="K",
              help="Macro engine: cells per block (default: the k that compresses a pilot "
                   "run's tape best).")
@click.option("--back/--no-back", default=None,
              help="Macro engine: keep the symbol behind the head in the state (default: "
                   "whichever a short trial finds faster).")
@click.option("--rules/--no-rules", default=True, show_default=True,
              help="Macro engine: prove rules over symbolic run lengths (a loop that adds a "
                   "constant to some runs each pass) and apply many passes at once; this is "
                   "what runs the 10^17-step BB(3,3) champion in seconds.")
@click.option("--trace", is_flag=True, help="Print every configuration: step, state, and the "
              "tape with the head's cell in [brackets].")
@click.option("--break", "stop_at_breaks", is_flag=True,
              help="With --trace: stop at Morphett breakpoints (rules marked !). At a terminal "
                   "you may continue; otherwise the run ends there (exit code 5).")
@click.option("--max-tape", type=StepCount(), default=20_000_000, show_default=True,
              help="Stop (exit code 7) once the tape holds more runs than this (the plain "
                   "engine: cells), before memory runs out; a run uses about 80 bytes.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: program, halted, reason, state, steps, head, tape "
                   "(null past 10^6 cells), tape_runs ([symbol, count] pairs, exact), "
                   "tape_offset, tape_cells, nonblank (a trace goes to stderr). See the "
                   "README's JSON schema.")
@click.option("--full-tape", is_flag=True, help="With --json: write \"tape\" as one string "
              "up to 10^9 cells, not 10^6.")
def run(program: str, tape_input: str | None, fmt: str, start: str | None, max_steps: int,
        engine: str, block: int | None, back: bool | None, rules: bool, trace: bool,
        stop_at_breaks: bool, max_tape: int, as_json: bool, full_tape: bool) -> None:
    """Run a Turing machine PROGRAM (a file, a bbchallenge string, or - for standard input)
    and report how it ended.

    \b
    Formats: turingmachine.io YAML (.yaml/.yml), Morphett's text format (.txt/.tm), and the
    bbchallenge one-line format (1RB1LB_1LA1RZ, as a string or in a file).
    Steps count executed transitions; entering a halting state is a step, halting for want of
    a rule is not (Morphett's page counts one more step then).

    \b
    Exit codes: 0 halted, 1 invalid program, 2 usage error, 3 step limit reached,
                4 proven never to halt (cycle, translated-cycle, runs-off, infinite-rule),
                5 stopped at a breakpoint,
                7 the tape outgrew --max-tape,
                130 stopped by Ctrl-C (it prints the configuration it reached).
    \b
    Verdicts come during the run: the deciders run on a doubling schedule, so a machine
    that repeats itself soon gets its verdict at once, whatever --max-steps is. On a
    terminal, a run longer than 2 s shows its progress (steps, engine, tape runs, rules).
    \b
    Examples:
      tapelab run machines/examples/binary_increment.yaml --input 1011 --trace
      tapelab run 1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA --max-steps 100000000
      tapelab run 0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC --max-steps 10**18 --engine macro
    """
    from machines import classical, display
    from machines.errors import InputError

    if full_tape and not as_json:
        raise click.UsageError("--full-tape writes the tape into --json's output: give --json "
                               "with it")
    prog = _load(program, fmt, start)
    try:
        classical.check_input(prog, tape_input)
    except InputError as err:
        raise _fail(f"{'--input' if tape_input is not None else 'the program input'}: "
                    f"{err}") from None
    if (trace or stop_at_breaks) and (engine != "auto" or block or back is not None
                                      or not rules):
        raise click.UsageError("--trace and --break step one cell at a time: --engine, "
                               "--block, --back/--no-back and --no-rules do not apply")
    if trace or stop_at_breaks:
        result = None
        out_err = as_json
        width = max(8, max(len(display.printable(q)) for q in prog.states))
        for config in classical.trace(prog, tape_input, max_steps=max_steps):
            click.echo(display.trace_line(config, width), err=out_err)
            if config.reason:
                result = classical.result_of(config)
            elif stop_at_breaks and config.rule is not None and config.rule.breakpoint:
                if sys.stdin.isatty() and not as_json and click.confirm(
                        "breakpoint: continue?", default=True):
                    continue
                result = classical.result_of(config, reason="breakpoint")
                break
        assert result is not None
    else:
        if (block or back is not None or not rules) and engine != "macro":
            raise click.UsageError("--block, --back/--no-back and --no-rules need "
                                   "--engine macro")
        with _ctrl_c_stops() as stopped:
            watch = _RunWatch(stopped, sys.stderr.isatty())
            try:
                result = classical.run(prog, tape_input, max_steps=max_steps, engine=engine,
                                       block=block, back=back, rules=rules, watch=watch,
                                       max_tape=max_tape)
            finally:
                watch.clear()
    if as_json:
        click.echo(json.dumps(display.result_json(prog, result, full_tape=full_tape)))
    else:
        click.echo(display.result_text(prog, result))
    code = {"step-limit": EXIT_STEP_LIMIT, "breakpoint": EXIT_BREAKPOINT,
            "cycle": EXIT_NEVER, "translated-cycle": EXIT_NEVER, "runs-off": EXIT_NEVER,
            "infinite-rule": EXIT_NEVER,
            "interrupted": EXIT_INTERRUPTED, "tape-limit": EXIT_TAPE_LIMIT}
    sys.exit(code.get(result.reason, EXIT_HALTED))


class _StderrLine:
    """One progress line on stderr: rewritten in place on a terminal, a line of its own
    elsewhere; ``clear`` blanks a line left on the terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.width = 0

    def show(self, line: str) -> None:
        if self.tty:
            click.echo("\r" + line.ljust(self.width), nl=False, err=True)
            self.width = len(line)
        else:
            click.echo(line, err=True)

    def clear(self) -> None:
        if self.width:
            click.echo("\r" + " " * self.width + "\r", nl=False, err=True)


class _RunWatch:
    """What a classical run calls every few milliseconds: on a terminal, after
    ``PROGRESS_AFTER`` seconds, one progress line on stderr (rewritten in place, at most a
    few times a second); it stops the run once Ctrl-C was pressed."""

    PROGRESS_AFTER = 2.0
    EVERY = 0.25

    def __init__(self, stopped, show: bool) -> None:
        self.stopped, self.show = stopped, show
        self.started = time.perf_counter()
        self.shown_at = 0.0
        self.line = _StderrLine()

    def __call__(self, progress) -> bool:
        now = time.perf_counter()
        if self.show and now - self.started >= self.PROGRESS_AFTER \
                and now - self.shown_at >= self.EVERY:
            rules = f", {progress.rules:,} rules applied" if progress.rules else ""
            unit = "cells" if progress.engine == "plain" else "runs"
            from machines.display import count_text

            self.line.show(f"{count_text(progress.steps)} steps ({progress.engine} engine), "
                           f"tape {progress.runs:,} {unit}{rules}, {now - self.started:.0f} s")
            self.shown_at = now
        return self.stopped()

    def clear(self) -> None:
        self.line.clear()


class _EvalWatch:
    """``eval``'s ``on_length``: once the evaluation has taken ``PROGRESS_AFTER`` seconds,
    where it stands (pass, length, lengths scored) on stderr: one line rewritten in place on
    a terminal, a line every ``LOG_EVERY`` seconds elsewhere (a log file)."""

    PROGRESS_AFTER = 2.0
    EVERY = 0.25            # on a terminal
    LOG_EVERY = 15.0        # elsewhere

    def __init__(self, lengths: int) -> None:
        from analysis.evaluate import EvaluationProgress

        self.now = EvaluationProgress(lengths)
        self.line = _StderrLine()
        self.started = self.shown_at = time.perf_counter()

    def __call__(self, row) -> None:
        self.now = self.now.after(row)
        t = time.perf_counter()
        if t - self.started < self.PROGRESS_AFTER or \
                t - self.shown_at < (self.EVERY if self.line.tty else self.LOG_EVERY):
            return
        self.line.show(f"evaluating: {self.now.line()}, {t - self.started:.0f} s")
        self.shown_at = t

    def clear(self) -> None:
        self.line.clear()


@contextlib.contextmanager
def _ctrl_c_stops():
    """Inside: the first Ctrl-C asks the run to stop where it stands (the function yielded
    says whether it was pressed); a second one interrupts at once."""
    import signal
    import threading

    pressed = threading.Event()

    def handler(signum, frame):
        if pressed.is_set():
            raise KeyboardInterrupt
        pressed.set()
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:              # not the main thread (an embedding): plain Ctrl-C
        yield pressed.is_set
        return
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


@cli.command()
@click.argument("program")
@click.option("--to", "target", type=click.Choice(FORMATS[1:]), required=True,
              help="Format to write.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Format of PROGRAM.")
@click.option("--start", help="Start state of a Morphett program (default 0).")
@click.option("--expand-wildcards", is_flag=True,
              help="Replace Morphett's * rules by one rule per symbol the program names, so "
                   "that formats without wildcards can hold the program.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Write to this file instead of standard output (missing folders are made; "
                   "- is standard output).")
@click.option("--force", is_flag=True, help="Replace the --output file if it exists.")
def convert(program: str, target: str, fmt: str, start: str | None, expand_wildcards: bool,
            output: Path | None, force: bool) -> None:
    """Write PROGRAM in another format (yaml, morphett or bb).

    \b
    Example:
      tapelab convert 1RB1LB_1LA0LC_1RZ1LD_1RD0RA --to yaml -o bb4.yaml
    """
    from machines.errors import ProgramError
    from machines.formats import dumps

    prog = _load(program, fmt, start)
    if expand_wildcards:
        prog = prog.expand_wildcards()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            text = dumps(prog, target)
        except ProgramError as err:
            raise _fail(f"cannot write as {target}: {err}") from None
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    if output and str(output) != STANDARD_STREAM:
        _write(output, text if text.endswith("\n") else text + "\n", force)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


@cli.command()
@click.argument("program")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path),
              help="FILE.dot (Graphviz), FILE.png, FILE.svg or FILE.pdf (a drawn picture); "
                   "missing folders are made. - writes the Graphviz text to standard output.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Format of PROGRAM.")
@click.option("--start", help="Start state of a Morphett program (default 0).")
@click.option("--force", is_flag=True, help="Replace the --output file if it exists.")
def diagram(program: str, output: Path, fmt: str, start: str | None, force: bool) -> None:
    """Draw the state diagram of PROGRAM: one node per state, edges labelled read→write,move.

    \b
    Example:
      tapelab diagram machines/examples/binary_increment.yaml -o increment.png
    """
    suffix = output.suffix.lower()
    to_stdout = str(output) == STANDARD_STREAM
    if suffix not in (".dot", ".png", ".svg", ".pdf") and not to_stdout:
        raise click.BadParameter("use a .dot, .png, .svg or .pdf file, or - for the Graphviz "
                                 "text on standard output", param_hint="--output")
    prog = _load(program, fmt, start)
    from analysis import diagrams

    if to_stdout:
        click.echo(diagrams.to_dot(prog).rstrip("\n"))
        return
    from machines.files import OutputError, check_new_file, write_atomic

    if suffix == ".dot":
        _write(output, diagrams.to_dot(prog), force)
    else:
        try:
            check_new_file(output, force)
            write_atomic(output, lambda tmp: diagrams.draw(prog, tmp, kind=suffix[1:]))
        except OutputError as err:
            raise _output_failed(err) from None
    click.echo(f"wrote {output}")


def _write(path: Path, text: str, force: bool) -> None:
    """Write an output file, or exit 1 with one line (exists, not writable, not a file)."""
    from machines.files import OutputError, write_text

    try:
        write_text(path, text, force=force)
    except OutputError as err:
        raise _output_failed(err) from None


def _task(name: str, bits: int = 0):
    from tasks.suite import UnknownTask, get_task

    try:
        return get_task(name, bits=bits)
    except (UnknownTask, ValueError) as err:
        raise click.UsageError(str(err)) from None


_bits_option = click.option("--bits", type=click.Choice(["0", "8"]), default="0",
                            callback=lambda ctx, param, v: int(v),
                            help="copy and repeat_copy: 8 gives the NTM paper's random 8-bit "
                                 "vectors (a 256-symbol alphabet).")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the tasks.")
def tasks(as_json: bool) -> None:
    """List the task suite: name, Chomsky level, alphabet, size of the reference machine."""
    from tasks.suite import all_tasks

    rows = [{"name": t.name, "level": t.level, "alphabet": list(t.alphabet),
             "states": len(t.reference.states), "rules": len(t.reference.rules),
             "output": t.output.describe(), "description": t.description} for t in all_tasks()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    click.echo(f"{'task':<19} {'level':<27} {'alphabet':<12} {'states':>6} {'rules':>5}  "
               "description")
    for r in rows:
        click.echo(f"{r['name']:<19} {r['level']:<27} {''.join(r['alphabet']):<12} "
                   f"{r['states']:>6} {r['rules']:>5}  {r['description']}")


class TaskGroup(click.Group):
    """``tapelab task NAME``: a task where a subcommand belongs; say which subcommands take
    it."""

    def resolve_command(self, ctx, args):
        if args and self.get_command(ctx, args[0]) is None:
            from tasks.suite import NAMES

            if args[0] in NAMES:
                name = args[0]
                raise click.UsageError(
                    f"{name} is a task; say what to do with it: `tapelab task show {name}` "
                    f"(its reference machine), `sample {name}` (examples) or "
                    f"`verify {name}` (check the program)", ctx)
        return super().resolve_command(ctx, args)


@cli.group(cls=TaskGroup)
def task() -> None:
    """Look at one task: its reference program, examples, and a check of the program."""


@task.command("show")
@click.argument("name")
@_bits_option
def task_show(name: str, bits: int) -> None:
    """Print the reference Turing machine of task NAME as turingmachine.io YAML."""
    from machines.formats import dumps

    t = _task(name, bits)
    click.echo(f"# {t.name}: {t.description}\n# level: {t.level}; output: "
               f"{t.output.describe()}")
    click.echo(dumps(t.reference, "yaml").rstrip("\n"))


@task.command("sample")
@click.argument("name")
@click.option("--length", "-n", type=LENGTH, required=True, help="Input length (see `tapelab "
              f"tasks`; at most {MAX_LENGTH}).")
@click.option("--count", "-k", type=click.IntRange(1, MAX_SAMPLES), default=5, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@_bits_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {input, output}.")
def task_sample(name: str, length: int, count: int, seed: int, bits: int, as_json: bool) -> None:
    """Print COUNT seeded random examples of task NAME (input, then expected output)."""
    import numpy as np

    t = _task(name, bits)
    rng = np.random.default_rng(seed)
    try:
        examples = [t.sample(length, rng) for _ in range(count)]
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if as_json:
        click.echo(json.dumps([{"input": e.input, "output": e.output} for e in examples],
                              ensure_ascii=False))
    else:
        for e in examples:
            click.echo(f"{e.input}  ->  {e.output}")


@task.command("verify")
@click.argument("name")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=500, show_default=True)
@click.option("--max-length", type=LENGTH, default=100, show_default=True,
              help="Lengths cycle through 1 .. max-length.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@_bits_option
@click.option("--json", "as_json", is_flag=True,
              help='Print {"task", "samples", "passed", "failed", "steps_by_length"}.')
def task_verify(name: str, samples: int, max_length: int, seed: int, bits: int,
                as_json: bool) -> None:
    """Run task NAME's reference program on random examples and check every output.

    Also shows how the classical machine's running time grows with the input length.
    Exit code 1 if any example fails.
    """
    from tasks.verify import verify

    t = _task(name, bits)
    try:
        with click.progressbar(length=samples, label=f"verifying {name}", file=sys.stderr,
                               hidden=as_json) as bar:
            report = verify(t, samples=samples, max_length=max_length, seed=seed,
                            progress=bar.update)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if as_json:
        click.echo(json.dumps(report.to_json()))
    else:
        click.echo(f"{name}: {report.passed}/{report.samples} passed, {report.failed} failed")
        from machines.display import counted

        for f in report.failures[:5]:
            click.echo(f"  FAIL {f.example.input!r}: expected {f.example.output!r}, got "
                       f"{f.got!r} ({f.reason} after {counted(f.steps, 'step')})")
        lengths = sorted(report.steps_by_length)
        shown = sorted({lengths[int(i * (len(lengths) - 1) / 9)] for i in range(10)})
        click.echo("  length  mean steps")
        for n in shown:
            click.echo(f"  {n:>6}  {report.steps_by_length[n]:>10,.1f}")
        k = report.growth_exponent()
        if k is not None:
            click.echo(f"  steps grow like length^{k:.2f}")
    sys.exit(1 if report.failed else 0)


def _lengths(text: str) -> list[int]:
    from analysis.runs import parse_lengths

    try:
        return parse_lengths(text, MAX_LENGTH)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--lengths") from None


MIN_PACE_SECONDS = 0.05     # training progress gives sequences/s once this much has passed


class _Progress:
    """One status line on stderr: step, loss, bits per sequence, sequences/s, ETA."""

    def __init__(self, steps: int | None, budget: float | None,
                 run_dir: Path | None = None) -> None:
        """``steps`` and ``budget``: the limits to count down to. A training run's
        ``run_dir`` replaces them by those its config.json records (written before the first
        step, a resumed run's limits included: a resume's --time-budget is seconds *more*)."""
        import time

        self.steps, self.budget, self.last = steps, budget, time.monotonic()
        self.tty = sys.stderr.isatty()
        self.run_dir = run_dir      # a training run's: with a curriculum, the ETA is a bound
        self.curriculum: int | None = None

    def _read_run(self) -> None:
        from analysis.runs import read_spec

        self.curriculum = 0
        if self.run_dir is None:
            return
        try:
            spec = read_spec(self.run_dir)
        except (OSError, ValueError):
            return
        self.curriculum = spec.curriculum
        self.steps, self.budget = spec.train.get("steps"), spec.train.get("time_budget")

    def __call__(self, state, result) -> None:
        import time

        if self.curriculum is None:         # the first call: the run's config.json is written
            self._read_run()
        now = time.monotonic()
        done = state.step
        final = self.steps is not None and done >= self.steps
        if now - self.last < (0.5 if self.tty else 15.0) and not final:
            return
        self.last = now
        rate = f"{state.sequences / state.seconds:6.0f}" if state.seconds >= MIN_PACE_SECONDS \
            else "     –"                      # no pace from a few milliseconds
        eta, bound = None, ""
        if self.steps:
            from analysis.runs import still_growing

            eta = state.seconds / max(done, 1) * (self.steps - done)
            bound = "at least " if still_growing(self.curriculum, done) else ""
        if self.budget:
            left = self.budget - state.seconds
            eta = left if eta is None else min(eta, left)
        total = f"/{self.steps}" if self.steps else ""
        line = (f"step {done}{total}  loss {result.loss:8.3f}  bits/seq {result.bits:7.2f}  "
                f"{rate} seq/s  ETA {bound}{int(max(eta or 0, 0)) // 60}:"
                f"{int(max(eta or 0, 0)) % 60:02d}")
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)


@cli.command()
@click.argument("task_name", metavar="TASK", required=False)
@click.option("--machine", type=click.Choice(registry.names("sequence")), default="ntm",
              show_default=True, help="A trainable sequence machine (see `tapelab compare "
              "--help` for what each is).")
@click.option("--steps", type=click.IntRange(1, 10**9), help="Optimiser steps [default: 2000 "
              "unless --time-budget is given]. With --resume: the step to train to.")
@click.option("--time-budget", type=Number(1, 10**7), help="Train for this many seconds. With "
              "--resume: train this many seconds more.")
@click.option("--recipe", type=click.Choice(["collier-beel", "paper"]), default="collier-beel",
              show_default=True, help="collier-beel: Adam 1e-3, norm clip 50, batch 32 (the "
              "NTM: its own lr 3e-3 with cosine decay, and gate bias -3; see README); paper: "
              "RMSprop 1e-4, momentum 0.9, elementwise clip 10, batch 1.")
@click.option("--batch", type=click.IntRange(1, 4096), help="Batch size (default: the "
              "recipe's).")
@click.option("--optimizer", type=click.Choice(["adam", "rmsprop"]), help="Override the recipe.")
@click.option("--lr", type=Number(0, 10, min_open=True), help="Learning rate (default: the "
              "recipe's).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--bits", type=click.Choice(["0", "8"]), default="0",
              help="copy, repeat_copy: 8-bit vectors as in the NTM paper.")
@click.option("--min-length", type=LENGTH, help="Shortest training input.")
@click.option("--max-length", type=LENGTH,
              help="Longest training input [default: 20 for copy, 10 otherwise].")
@click.option("--curriculum", is_flag=True, help="Grow the longest training length from "
              "--min-length to --max-length over the first half of --steps (needs --steps).")
@click.option("--lr-schedule", type=click.Choice(["constant", "cosine"]), help="cosine: decay "
              "the learning rate to 5% of it by the end of --steps or --time-budget [default: "
              "the machine's own (the NTM: cosine), else constant].")
@click.option("--sharpen", type=Number(0, 100), default=0.0, show_default=True,
              help="Sharpening prior: add W x the mean normalized entropy of every head's "
                   "weighting to the loss (0: off).")
@click.option("--sharpen-schedule", type=click.Choice(["constant", "late", "ramp"]),
              default="constant", show_default=True, help="When the prior acts: throughout, "
              "in the second half of training only, or rising linearly from 0 to W.")
@click.option("--set", "settings", metavar="KEY=VALUE", multiple=True,
              help="A model setting of the machine's config, repeatable: --set position=alibi "
                   "(transformer), --set memory_size=64 (ntm), --set variant=deletang "
                   "(tapernn: Delétang et al.'s own controller, write MLP and output; "
                   "--set init=haiku for their initial weights), "
                   "--set hidden_size=128. compare's form, --set tapernn.variant=deletang, "
                   "works too when the machine is the one trained.")
@click.option("--compile/--no-compile", "use_compile", default=None,
              help="torch.compile the NTM step (~1.8x faster after ~1 min of compiling) "
                   "[default: on for runs of 1000+ steps or 120+ s].")
@click.option("--threads", type=click.IntRange(1, MAX_THREADS), help="Torch CPU threads "
              f"(at most {MAX_THREADS}: 4 per core of this machine).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu",
              show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory [default: runs/TASK-MACHINE-sSEED].")
@click.option("--resume", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Continue the run in this directory where it stopped, with its own "
                   "settings (a curriculum keeps its schedule); only --steps or --time-budget, "
                   "and --threads or --device, go with it.")
@click.option("--force", is_flag=True, help="Replace an existing run directory (only one that "
              "tapelab made: it holds the run's config.json).")
def train(task_name, machine, steps, time_budget, recipe, batch, optimizer, lr, seed, bits,
          min_length, max_length, curriculum, lr_schedule, sharpen, sharpen_schedule, settings,
          use_compile, threads, device, out, resume, force) -> None:
    """Train a sequence machine (NTM, LSTM, Stack-RNN, Tape-RNN, Transformer) on TASK;
    Ctrl-C saves, --resume continues.

    \b
    The run directory gets config.json, metrics.jsonl (loss, bits per sequence, read/write
    entropy, sequences/s) and checkpoint.pt.
    \b
    Examples:
      tapelab train copy --bits 8 --time-budget 300
      tapelab train copy --bits 8 --time-budget 300 --sharpen 0.1 --sharpen-schedule late
      tapelab train --resume runs/copy-ntm-s0 --steps 5000
    """
    from analysis.runs import RunDirError, RunSpec, check_spec, curriculum_steps, train_alone
    from machines.files import OutputError
    from machines.training import CheckpointError

    if resume:
        given = _given_options()
        fixed = [hint for name, hint in given.items() if name not in RESUME_OPTIONS]
        if fixed:
            raise click.UsageError(f"--resume continues a run as it was set up, so {fixed[0]} "
                                   "cannot change it: give only --steps or --time-budget "
                                   "(and --threads or --device) with it")
        device = _device(device) if "device" in given else None
        run_dir = resume
        spec = None
        click.echo(f"resuming {run_dir}", err=True)
    else:
        if not task_name:
            raise click.UsageError("give a TASK, or --resume RUN_DIR")
        _task(task_name, int(bits))
        if sharpen_schedule != "constant" and not sharpen:
            raise click.UsageError(f"--sharpen-schedule {sharpen_schedule} schedules the "
                                   "sharpening prior: give its weight, --sharpen W")
        if sharpen and (problem := registry.sharpening_problem(machine)):
            raise click.UsageError(f"--sharpen: {problem}")
        run_dir = out or Path("runs") / f"{task_name}-{machine}-s{seed}"
        from machines.training import RECIPES

        entry = registry.get(machine)
        own = entry.defaults.get("train", {}) if recipe == "collier-beel" else {}
        cfg = dict(RECIPES[recipe], **own, seed=seed, device=_device(device), threads=threads,
                   sharpen=sharpen, sharpen_schedule=sharpen_schedule)
        cfg.update({k: v for k, v in dict(batch_size=batch, optimizer=optimizer, lr=lr,
                                          lr_schedule=lr_schedule).items() if v is not None})
        cfg["steps"] = steps if steps else (None if time_budget else 2000)
        cfg["time_budget"] = time_budget
        if use_compile is None:
            use_compile = registry.get(machine).compile is not None and (
                (cfg["steps"] or 0) >= 1000 or (time_budget or 0) >= 120)
        model = {**entry.defaults.get("model", {}), **_own_settings(settings, machine)}
        try:
            spec = check_spec(RunSpec(
                task=task_name, machine=machine, bits=int(bits), min_length=min_length,
                max_length=max_length, curriculum=curriculum_steps(curriculum, cfg["steps"]),
                train=cfg, model=model,
                compile=bool(use_compile and registry.get(machine).compile)))
        except ValueError as err:
            raise click.UsageError(str(err)) from None
    try:
        state = train_alone(spec, run_dir, resume=bool(resume), force=force,
                            steps=steps if resume else None,
                            seconds=time_budget if resume else None,
                            threads=threads if resume else None,
                            device=device if resume else None,
                            progress=_Progress(steps or (spec.train["steps"] if spec else None),
                                               time_budget, run_dir))
    except OutputError as err:
        raise _output_failed(err) from None
    except (RunDirError, CheckpointError) as err:
        raise _fail(str(err)) from None
    except (FileNotFoundError, ValueError) as err:
        raise click.UsageError(str(err)) from None
    click.echo("", err=True)
    if state.status == "interrupted":
        click.echo(f"interrupted at step {state.step}; continue with: tapelab train --resume "
                   f"{run_dir}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    from machines.display import counted

    click.echo(f"{run_dir}: {counted(state.step, 'step')}, "
               f"{counted(state.sequences, 'sequence')} in {state.seconds:.0f} s; last loss "
               f"{state.last_loss:.3f}, bits/seq {state.last_bits:.2f}; {state.skipped} "
               "non-finite steps skipped")


def _given_options() -> dict[str, str]:
    """The options of the running command given on its command line (not left at their
    defaults), each as its name and how the user wrote it (``'--lr'``)."""
    ctx = click.get_current_context()
    return {p.name: p.get_error_hint(ctx) for p in ctx.command.params
            if ctx.get_parameter_source(p.name) is not ParameterSource.DEFAULT}


# what `train --resume` may be given: its limits, and how (not what) it trains
RESUME_OPTIONS = ("resume", "steps", "time_budget", "threads", "device")


def _machine_settings(pairs: tuple[str, ...]) -> dict:
    """``MACHINE.KEY=VALUE`` pairs as {machine: {"model": {...}, "train": {...}}}: keys of
    the training configuration go to ``train``, the others to the machine's model."""
    from dataclasses import fields

    from machines.training import TrainConfig

    train_keys = {f.name for f in fields(TrainConfig)}
    out: dict = {}
    _given_once([k for k in (p.partition("=")[0].strip() for p in pairs) if k], "--set")
    for pair in pairs:
        machine, dot, rest = pair.partition(".")
        if not dot or not machine or not rest.partition("=")[0].strip():
            raise click.BadParameter(f"{pair!r}: write MACHINE.KEY=VALUE", param_hint="--set")
        for key, value in _model_settings((rest,)).items():
            kind = "train" if key in train_keys else "model"
            out.setdefault(machine, {}).setdefault(kind, {})[key] = value
    return out


def _pairs(text: str) -> list[list[str]]:
    """``reverse:stackrnn,duplicate:tapernn`` as [[task, machine], ...]."""
    pairs = [p.strip().split(":") for p in text.split(",") if p.strip()]
    bad = next((":".join(p) for p in pairs if len(p) != 2 or not all(p)), None)
    if not pairs or bad is not None:
        raise click.BadParameter(f"{bad or text!r}: give TASK:MACHINE pairs, comma-separated "
                                 "(reverse:stackrnn,duplicate:tapernn)", param_hint="--pairs")
    return [[t.strip(), m.strip()] for t, m in pairs]


def _temperatures(text: str) -> list:
    """``1,0.5,0,adaptive`` as temperatures; ``none`` as none."""
    from machines.sharpening import label, parse_temperature

    if text.strip().lower() == "none":
        return []
    try:
        values = [parse_temperature(t) for t in text.split(",")]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--temperatures") from None
    return _given_once(values, "--temperatures", lambda t: f"temperature {label(t)}")


def _given_once(values: list, hint: str, name=str) -> list:
    """``values``, or a usage error that names the first one given twice (a second value for
    a --set key would silently win; a repeated method or temperature would run twice)."""
    from analysis.runs import first_repeat

    twice = first_repeat(values)
    if twice is not None:
        raise click.BadParameter(f"{name(twice)} is given twice", param_hint=hint)
    return values


def _own_settings(pairs: tuple[str, ...], machine: str) -> dict:
    """``train``'s ``KEY=VALUE`` model settings; ``MACHINE.KEY=VALUE``, compare's form, is
    taken too when MACHINE is the machine trained, and refused in one line when it is not."""
    own = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        owner, dot, rest = key.partition(".")
        if dot and owner.strip() != machine:
            why = f"this run trains {machine}, not {owner.strip()}; " if owner.strip() else ""
            raise click.BadParameter(f"{pair!r}: {why}write KEY=VALUE, a setting of "
                                     f"{machine}'s model", param_hint="--set")
        own.append(f"{rest}{sep}{value}" if dot else pair)
    return _model_settings(tuple(own))


def _model_settings(pairs: tuple[str, ...]) -> dict:
    """``KEY=VALUE`` pairs as a dict; values read as JSON where they parse (64, 0.5, true),
    else as strings (alibi). The run's config check says which keys the machine has."""
    out = {}
    _given_once([k for k in (p.partition("=")[0].strip() for p in pairs) if k], "--set")
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: write KEY=VALUE", param_hint="--set")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _device(name: str) -> str:
    if name != "auto":
        if name == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise click.UsageError("--device cuda: no CUDA device here")
        return name
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cli.command("eval")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lengths", default="20,40,80,120", show_default=True,
              help="Input lengths: single ones and ranges, 41-500 (every length) or 80-480:80 "
                   "(every 80th).")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=100, show_default=True)
@click.option("--seed", type=SEED, default=12345, show_default=True)
@click.option("--hard", is_flag=True, help="Also run with hard (argmax) addressing.")
@click.option("--temperatures", metavar="T,T,...", help="Evaluate at each test-time "
              "temperature instead: every head's weighting raised to the power 1/T and "
              "renormalised; 1 is the machine as trained, 0 is argmax, 'adaptive' picks T per "
              "weighting from its entropy (Velickovic et al. 2024). Example: "
              "--temperatures 1,0.5,0.25,0.1,0,adaptive")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu",
              show_default=True, help="Where the model runs (auto: cuda if there is one).")
@click.option("--json", "as_json", is_flag=True)
def evaluate(run_dir: Path, lengths: str, samples: int, seed: int, hard: bool,
             temperatures: str | None, device: str, as_json: bool) -> None:
    """Score a trained run on fresh examples: bit errors per sequence, per-symbol accuracy
    and exact-match rate per length, with soft and (--hard) argmax addressing, or at
    several test-time temperatures (--temperatures).

    \b
    Examples:
      tapelab eval runs/copy-ntm-s0 --lengths 20,40,80,120 --hard
      tapelab eval runs/copy-ntm-s0 --temperatures 1,0.5,0.1,0,adaptive
    """
    from analysis.evaluate import evaluate
    from analysis.runs import RunDirError, load_run
    from machines.sharpening import label
    from machines.training import CheckpointError

    wanted = _lengths(lengths)
    temps = None
    if temperatures is not None:
        if hard:
            raise click.UsageError("--hard and --temperatures: give one (0 is the argmax)")
        temps = _temperatures(temperatures) or None
    try:
        spec, task, model = load_run(run_dir)
    except (RunDirError, CheckpointError) as err:
        raise _fail(str(err)) from None
    except (FileNotFoundError, ValueError) as err:
        raise click.UsageError(str(err)) from None
    if temps is not None and not registry.get(spec.machine).heads:
        raise _fail(f"{run_dir}: the {spec.machine} has no addressing to temper", EXIT_INVALID)
    if hard and not registry.get(spec.machine).hard:
        raise _fail(f"{run_dir}: the {spec.machine} has no argmax mode (--hard)", EXIT_INVALID)
    model.to(_device(device))
    watch = _EvalWatch(len(wanted))
    try:
        results = evaluate(model, task, wanted, samples=samples, seed=seed, kind=spec.machine,
                           hard=None if hard else False, temperatures=temps, on_length=watch)
    finally:
        watch.clear()
    if as_json:
        click.echo(json.dumps({"run": str(run_dir), "task": spec.task, "machine": spec.machine,
                               "results": [{k: r.to_json()[k] for k in (
                                   "length", "addressing", "temperature", "bits_per_sequence",
                                   "symbol_accuracy", "exact_match")} for r in results]}))
        return
    click.echo(f"{run_dir}: {spec.machine} on {spec.task}")
    click.echo(f"{'length':>6} {'addressing':>10} {'T':>8} {'bits/seq':>9} {'symbol acc':>10} "
               f"{'exact':>6} {'read H':>7} {'write H':>7}")
    for r in results:
        rh = "" if r.read_entropy is None else f"{r.read_entropy:.3f}"
        wh = "" if r.write_entropy is None else f"{r.write_entropy:.3f}"
        t = "" if r.temperature is None else label(r.temperature)
        click.echo(f"{r.length:>6} {r.addressing:>10} {t:>8} {r.bits_per_sequence:>9.2f} "
                   f"{r.symbol_accuracy:>10.3f} {r.exact_match:>6.2f} {rh:>7} {wh:>7}")


@cli.command()
@click.argument("task_name", metavar="TASK")
@click.option("--states", type=click.IntRange(2, 64), help="States, halting ones included.")
@click.option("--tape-length", type=click.IntRange(2, MAX_LENGTH), help="Cells of the soft "
              "tape.")
@click.option("--origin", type=click.IntRange(0, MAX_LENGTH), help="Cell of the soft tape where "
              "each input starts, and the head with it: room on the left for a machine that "
              "writes there [default: 0; 2 for binary_increment, whose carry can add a digit].")
@click.option("--steps", type=click.IntRange(1, 10_000), help="Soft steps unrolled per example.")
@click.option("--examples", type=click.IntRange(1, 1000), help="Training examples.")
@click.option("--restarts", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Independent random restarts, trained as one tensor program.")
@click.option("--method", metavar="M[,M...]",
              help="fmgd: forward marginals (softmax tables); gumbel: Gumbel-softmax tables "
                   "with an annealed temperature; smt: every program consistent with the "
                   "examples, from the Z3 solver; enumerate: a tree search over tables. "
                   "Several, comma-separated, print one comparison table [default: the best "
                   "gradient method measured for the task].")
@click.option("--budget", type=Number(0.1, 10**6), default=60.0, show_default=True,
              help="smt, enumerate: seconds of search.")
@click.option("--iterations", type=click.IntRange(1, 10**7), help="Optimiser steps.")
@click.option("--lr", type=Number(0, 10, min_open=True), help="Adam learning rate [default 0.1].")
@click.option("--entropy-bonus", type=Number(0, 100), help="Reward table entropy (TerpreT's "
              "trainer).")
@click.option("--grad-noise", type=Number(0, 100), help="Annealed gradient noise (TerpreT's "
              "trainer).")
@click.option("--state-economy", type=Number(0, 100), help="Weight of the entropy "
              "of the time spent in each state: prefers programs that use few states, which "
              "generalise further [default: the best measured for the task].")
@click.option("--examples-from", type=click.Choice(["teach", "random"]), help="teach: each "
              "example the one of 100 random candidates that shows the reference machine's "
              "rules in the most new contexts; random: as drawn [default: teach].")
@click.option("--inputs", help="Train on these inputs, comma-separated (e.g. "
              "0010,011,10,1,1010) instead of drawn ones [default: the task's fixed set where "
              "it has one: binary_decrement's, found by benchmarks/softtm_example_sets.py].")
@click.option("--edge", type=click.Choice(["circular", "clamp", "open"]), help="Soft tape "
              "edge: circular (TerpreT's), clamp (stay on the edge cell) or open (a run that "
              "steps off is lost, as on the classical unbounded tape) [default: circular; "
              "open for binary_decrement].")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write every distinct successful program here as YAML "
                   "[default: induced/TASK].")
@click.option("--force", is_flag=True, help="Replace the programs of an earlier induce in "
              "--out (only a folder that induce made: it holds induce.json).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def induce(task_name, states, tape_length, origin, steps, examples, restarts, method, budget,
           iterations, lr, entropy_bonus, grad_noise, state_economy, examples_from, inputs, edge,
           seed, out, force, as_json) -> None:
    """Learn a Turing machine for TASK with the soft TM, harden it, and check it classically.

    \b
    Each restart's hardened program is run by the classical interpreter on the training
    inputs and on held-out inputs of length 20 and 100. Defaults follow TerpreT's benchmarks
    (invert: 2 states, prepend_zero and binary_decrement: 4; tape 5, 5 examples, 6 or 9
    steps) and the best method measured per task; binary_decrement trains on a fixed set of
    five inputs on the open tape edge (drawn examples: --examples-from random or teach).
    \b
    Example:
      tapelab induce invert --restarts 20
      tapelab run induced/invert/invert-1.yaml --input 0110
    """
    from analysis.induce import METHODS, SYMBOLIC, InduceConfig, induce as run_induce

    _task(task_name)
    methods = method.split(",") if method else [None]
    for m in methods:
        if m is not None and m not in METHODS:
            raise click.BadParameter(f"{m!r}: choose from {', '.join(METHODS)}",
                                     param_hint="--method")
    _given_once(methods, "--method")
    given = _given_options()
    trained = [m for m in methods if m not in SYMBOLIC]      # None: the task's best, trained
    for name in ("iterations", "lr", "entropy_bonus", "grad_noise", "state_economy"):
        if name in given and not trained:
            raise click.UsageError(f"{given[name]} sets the soft TM's training: "
                                   f"--method {','.join(methods)} searches instead (its time "
                                   "is --budget)")
    if "budget" in given and len(trained) == len(methods):
        raise click.UsageError("--budget is the seconds of a search (--method smt or enumerate): "
                               "the gradient methods train for --iterations")
    out = out or Path("induced") / task_name
    from machines.files import OutputError

    reports = []
    for m in methods:
        config = InduceConfig.for_task(task_name, states=states, tape_length=tape_length,
                                       origin=origin, steps=steps, examples=examples,
                                       restarts=restarts,
                                       method=m, iterations=iterations, lr=lr,
                                       entropy_bonus=entropy_bonus, grad_noise=grad_noise,
                                       state_economy=state_economy,
                                       examples_from=examples_from,
                                       inputs=tuple(inputs.split(",")) if inputs else None,
                                       edge=edge, seed=seed, budget=budget)
        where = out / config.method if len(methods) > 1 else out
        try:
            report = run_induce(config, where, force=force, progress=None if as_json or
                                config.method in ("smt", "enumerate") else _Progress(
                                    config.iterations, None))
        except OutputError as err:
            raise _output_failed(err) from None
        except ValueError as err:
            raise click.UsageError(str(err)) from None
        reports.append((config, report, where))
    if as_json:
        objs = [r.to_json() for _, r, _ in reports]
        click.echo(json.dumps(objs[0] if len(objs) == 1 else objs))
        return
    click.echo("")
    if len(reports) > 1:
        from analysis.induce import comparison_lines

        for line in comparison_lines([r for _, r, _ in reports]):
            click.echo(line)
        click.echo(f"programs in {out}/METHOD/")
        return
    config, r, where = reports[0]
    click.echo(f"{r.task}: {r.restarts} {'programs found by' if r.search else 'restarts of'} "
               f"{r.method} in {r.seconds:.1f} s "
               f"({config.states} states, tape {config.tape_length}, {config.steps} steps, "
               f"{config.examples} examples)")
    click.echo(f"  soft exact on training      {r.soft_train_exact:>4}")
    click.echo(f"  hardened exact on training  {r.hard_train_exact:>4}")
    click.echo(f"  hardened exact at length 20 {r.hard_exact_len20:>4}")
    click.echo(f"  hardened exact at length 100{r.hard_exact_len100:>4}")

    def fmt(x):
        return "-" if x is None else f"{x:.4f}"
    if r.search:
        click.echo(f"  distinct up to state renaming: {r.search['distinct']} "
                   f"({r.search['general']} general){'' if r.search['complete'] else ' so far'}"
                   f"; first after {fmt(r.first_seconds)} s")
    else:
        click.echo(f"  median head entropy: successes {fmt(r.head_entropy_success)}, failures "
                   f"{fmt(r.head_entropy_failure)}")
        click.echo(f"  median table entropy: successes {fmt(r.table_entropy_success)}, "
                   f"failures {fmt(r.table_entropy_failure)}")
    if r.programs:
        from machines.display import counted

        click.echo(f"  {counted(len(r.programs), 'distinct successful program')} in {where}/")


def _print_report(report: dict, out: Path) -> None:
    from analysis.report import summary_table

    click.echo("")
    for line in summary_table(report):
        click.echo(line)
    click.echo(f"\nreport: {(out / 'index.html').resolve()}")


def _run_compare(config, out: Path, force: bool, as_json: bool, options,
                 dry: bool = False, extend: bool = False) -> None:
    from analysis.compare import compare as run_compare, device_problem
    from analysis.layout import DamagedCompareDirectory, compare_settings
    from analysis.report import build_report
    from machines.files import OutputError

    try:
        config.check()
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    problem = device_problem(config, options)
    if extend and not problem:
        problem = "--extend and --force: give one (--force replaces the comparison)" \
            if force else config.extension_problem(compare_settings(out), out)
    if problem:
        raise click.UsageError(problem)
    if dry:
        _print_dry_run(config, out, options, extend)
        return
    try:
        with _warnings_shown():
            outcomes = run_compare(config, out, force=force, options=options, extend=extend,
                                   log=lambda m: click.echo(_printable(m), err=True))
            if all(o.status == "failed" for o in outcomes):
                raise _fail(_nothing_finished(outcomes, out))
            click.echo("writing the report", err=True)
            report = build_report(out)
    except ValueError as err:                  # e.g. the ray backend without Ray installed
        raise click.UsageError(str(err)) from None
    except OutputError as err:
        raise _output_failed(err) from None
    except DamagedCompareDirectory as err:
        raise _fail(str(err)) from None
    if as_json:
        click.echo(json.dumps({k: report[k] for k in ("tasks", "machines", "results",
                                                     "created", "versions")}, default=str))
    else:
        _print_report(report, out)
    if any(o.status == "failed" for o in outcomes):
        from machines.display import counted

        failed = sum(o.status == "failed" for o in outcomes)
        raise _fail(f"{counted(failed, 'job')} failed (listed above and in the report); run "
                    "the same command to try them again")


def _nothing_finished(outcomes, out: Path) -> str:
    """The error of a sweep in which every job failed: there is nothing to report."""
    from analysis.layout import FAILED, run_dir
    from machines.display import counted

    first = outcomes[0]
    reason = (first.error.strip().splitlines() or ["no traceback"])[-1]
    return (f"no run finished, so there is no report: {counted(len(outcomes), 'job')} failed; "
            f"{first.name}: {reason} (its traceback: {run_dir(out, first.name) / FAILED}); "
            "run the same command to try them again")


def _print_dry_run(config, out: Path, options, extend: bool = False) -> None:
    from analysis.compare import dry_run

    parallel = options.jobs if options.backend == "local" else None
    plan = dry_run(config, out, parallel or 1.0, extend=extend)
    click.echo(f"{'job':<36} {'task':<19} {'machine':<12} {'seed':>4}  status")
    for r in plan.rows:
        click.echo(f"{r.name:<36} {r.task:<19} {r.machine:<12} {r.seed:>4}  {r.status}")
    for s in plan.skipped:
        click.echo(f"(skipped: {s['machine']} on {s['task']}: {s['reason']})")
    done = len(plan.rows) - plan.todo
    from machines.display import counted

    click.echo(f"{counted(len(plan.rows), 'job')}, {done} done already, {plan.todo} to run")
    if plan.training_seconds is None:
        click.echo("cost: a step budget (--steps): its time depends on the machine")
    elif parallel is None:
        left = plan.training_seconds
        click.echo(f"cost: {left / 60:.1f} min of training in all (one job at a time), "
                   "divided by the jobs the Ray cluster runs at once; evaluation and "
                   "induction come on top")
    else:
        click.echo(f"cost: about {plan.training_seconds / 60:.1f} min of training with "
                   f"{counted(parallel, 'job')} at a time; evaluation and induction come on "
                   "top")
    temperatures = (f", {counted(plan.temperatures, 'test-time temperature')} "
                    "(--temperatures none drops them)" if plan.temperatures else "")
    click.echo(f"evaluation: {counted(plan.lengths, 'length')} x "
               f"{counted(config.samples, 'example')} per run, a pass for each way it is "
               f"scored: {', '.join(plan.passes)}{temperatures}")


@cli.command()
@click.argument("task_names", metavar="TASK...", nargs=-1)
@click.option("--all", "all_tasks", is_flag=True, help="Every task of the suite (with "
              "--machines left as it is: every machine).")
@click.option("--machines", help="Comma-separated, from: " + "; ".join(
                  f"{e.name} ({e.description})" for e in registry.REGISTRY.entries.values())
              + ". [default: every machine; with --pairs, the pairs' machines]")
@click.option("--pairs", metavar="TASK:MACHINE,...", help="Only these task-machine pairs of "
              "the grid (reverse:stackrnn,duplicate:tapernn); with no TASK and no --machines, "
              "the grid is the pairs' tasks and machines.")
@click.option("--seeds", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Runs per soft machine and task. Rerun with more --seeds (nothing else "
                   "changed) to add seeds to a finished comparison.")
@click.option("--first-seed", type=click.IntRange(0, 10**6), default=0, show_default=True,
              help="The seeds are FIRST-SEED .. FIRST-SEED + SEEDS - 1 (new seeds for a "
                   "cell in a directory of their own).")
@click.option("--budget", type=Number(1, 10**7), default=60.0, show_default=True,
              help="Seconds of training per soft run.")
@click.option("--lengths", help="Evaluation lengths: single ones and ranges, 41-500 (every "
              "length, Delétang et al.'s) or 80-480:80 (every 80th) [default: L,2L,4L,6L, L the "
              "training length].")
@click.option("--train-length", type=LENGTH, help="Longest training input "
              "[default: 20 for copy, 10 otherwise].")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=50, show_default=True,
              help="Evaluation examples per length.")
@click.option("--restarts", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="Soft TM restarts.")
@click.option("--jobs", type=click.IntRange(1, MAX_THREADS), default=1, show_default=True,
              help="Local backend: train independent runs in this many processes.")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="local: this machine (a process pool with --jobs); ray: "
              "Ray tasks, on a local Ray instance or the cluster at --address (pip install "
              "-e '.[ray]'; see the README's Scaling section).")
@click.option("--address", metavar="HOST:PORT", help="Ray: join this cluster (`auto`: the one "
              "`ray start --head` started here) instead of starting a local instance.")
@click.option("--cpus-per-job", type=Number(0.1, 1024), default=1.0, show_default=True,
              help="Ray: CPUs each job asks for; torch uses that many threads.")
@click.option("--gpus-per-job", type=Number(0, 64), default=0.0, show_default=True,
              help="Ray: GPUs each job asks for (0.25: four jobs share a GPU); the machines "
                   "train on them with --set all.device=cuda.")
@click.option("--retries", type=click.IntRange(0, 100), default=1, show_default=True,
              help="Try a job that raised this many more times, then record it as failed "
                   "and go on.")
@click.option("--steps", type=click.IntRange(1, 10**9), help="Train sequence machines this "
              "many steps instead of --budget seconds (the same result on any machine).")
@click.option("--curriculum", is_flag=True, help="Grow each sequence run's longest training "
              "length from the task's shortest input to --train-length over the first half of "
              "--steps (needs --steps).")
@click.option("--extend", is_flag=True, help="Train the runs of the comparison in OUT on, "
              "from their checkpoints, to a larger --budget (or --steps) than it had, "
              "everything else the same, and score them again.")
@click.option("--dry-run", is_flag=True, help="Print the grid, what is done already and an "
              "estimate of the cost; run nothing.")
@click.option("--bits", type=click.Choice(["0", "8"]), default="0", show_default=True,
              help="copy, repeat_copy: 8-bit vectors as in the NTM paper.")
@click.option("--temperatures", metavar="T,T,...", default="1,0.5,0.25,0.1,0,adaptive",
              show_default=True, help="Test-time temperatures every machine with addressing "
              "is also scored at (see `tapelab eval --help`); 'none' for none.")
@click.option("--set", "settings", metavar="MACHINE.KEY=VALUE", multiple=True,
              help="A setting of one machine, repeatable: a model setting (--set "
                   "ntm.gate_bias=-3, --set transformer.position=alibi) or a training one "
                   "(--set ntm.lr=0.003, --set ntm.lr_schedule=cosine, --set ntm.sharpen=0.1). "
                   "all.KEY=VALUE sets it for every sequence machine compared (--set "
                   "all.batch_size=128); a machine's own setting comes after it. --set "
                   "all.device=cuda trains and evaluates them on the GPU.")
@click.option("--compile/--no-compile", "use_compile", default=False,
              help="torch.compile the NTM (pays off for budgets of several minutes).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("tapelab-report"), show_default=True)
@click.option("--force", is_flag=True, help="Replace a directory that holds something else.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json's main keys.")
def compare(task_names, all_tasks, machines, pairs, seeds, first_seed, budget, lengths,
            train_length, samples, restarts, jobs, backend, address, cpus_per_job, gpus_per_job,
            retries, steps, curriculum, extend, dry_run, bits, temperatures, settings,
            use_compile, out, force, as_json) -> None:
    """Train and evaluate every machine on each TASK; write a side-by-side report.

    \b
    Soft machines train for --budget seconds each, then every machine (the classical
    reference program included) is evaluated at the training length and at 2x, 4x and 6x.
    OUT gets the runs, report.json, report.md, figures/ and index.html. Run it again with
    the same options to resume: finished runs are not retrained; with more --seeds and
    nothing else changed, it adds the new seeds' runs to the report; with a larger --budget
    (or --steps) and --extend, it trains the runs on from where they stopped.
    \b
    The report adds Delétang et al. 2023's score (per-token accuracy beyond the training
    lengths, max and median over seeds) beside their published values where a task is shared.
    \b
    Examples:
      tapelab compare copy invert --budget 120 --seeds 2 --jobs 2
      tapelab compare --all --seeds 3 --budget 600     # the full table (hours on a CPU)
      tapelab compare --pairs reverse:stackrnn,duplicate:tapernn --seeds 3
      tapelab compare --pairs reverse:stackrnn,duplicate:tapernn --seeds 10   # 7 more
      tapelab compare copy invert --budget 600 --seeds 2 --jobs 2 --extend   # the first, on to 600 s
    """
    from analysis.compare import CompareConfig
    from tasks.suite import NAMES

    given = _given_options()
    ray_only = [given[o] for o in ("address", "cpus_per_job", "gpus_per_job") if o in given]
    if backend == "local" and ray_only:
        raise click.UsageError(f"{ray_only[0]} is the Ray backend's: give --backend ray with it")
    if backend == "ray" and "jobs" in given:
        raise click.UsageError("'--jobs' is the local backend's: on Ray, the cluster's CPUs and "
                               "--cpus-per-job decide how many jobs run at once")
    only = _pairs(pairs) if pairs else None
    if all_tasks and task_names or not (all_tasks or task_names or only):
        raise click.UsageError("give TASK names, --all or --pairs (TASK names and --all not "
                               "both)")
    tasks = list(NAMES if all_tasks else task_names)
    if not tasks:                                   # the grid is the pairs' tasks
        tasks = list(dict.fromkeys(t for t, _ in only))
    if machines:
        chosen = machines.split(",")
    elif only:                                      # and the pairs' machines
        chosen = list(dict.fromkeys(m for _, m in only))
    else:
        chosen = list(registry.names())
    if "steps" in given and "budget" in given:
        raise click.UsageError("give --steps or --budget, not both")
    for option, machine, name in (("restarts", "softtm", "soft TM"),
                                  ("use_compile", "ntm", "NTM")):
        if option in given and machine not in chosen:
            raise click.UsageError(f"{given[option]} is the {name}'s: it is not compared here")
    config = CompareConfig(tasks=tasks, pairs=only, machines=chosen, seeds=seeds,
                           first_seed=first_seed, budget=budget,
                           lengths=_lengths(lengths) if lengths else None,
                           samples=samples, restarts=restarts, compile=use_compile, steps=steps,
                           train_length=train_length, bits=int(bits),
                           temperatures=_temperatures(temperatures),
                           machine_settings=_machine_settings(settings),
                           curriculum=curriculum)
    from analysis.sweep import SweepOptions

    options = SweepOptions(backend=backend, jobs=jobs, address=address,
                           cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job,
                           retries=retries)
    _run_compare(config, out, force, as_json, options, dry_run, extend)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def report(out: Path) -> None:
    """Rebuild the report of a compare directory from its runs on disk (no retraining)."""
    from analysis.layout import DamagedCompareDirectory, NotACompareDirectory
    from analysis.report import build_report
    from machines.files import OutputError

    try:
        with _warnings_shown():
            result = build_report(out)
    except NotACompareDirectory as err:
        raise click.UsageError(str(err)) from None
    except OutputError as err:
        raise _output_failed(err) from None
    except DamagedCompareDirectory as err:
        raise _fail(str(err)) from None
    _print_report(result, out)


@contextlib.contextmanager
def _warnings_shown():
    """Print the warnings raised inside as ``warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in caught:
                if not issubclass(w.category, (DeprecationWarning, FutureWarning)):
                    click.echo(f"warning: {_printable(str(w.message))}", err=True)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("tapelab-report"), show_default=True)
@click.option("--steps", type=click.IntRange(1, 10**7), default=None,
              help=f"Training steps (batches of 32) for the NTM and for the LSTM, which train "
                   f"in parallel: the same training however fast the machine.  "
                   f"[default: {DEMO_STEPS}]")
@click.option("--budget", type=Number(5, 10**7), default=None,
              help="Train for this many seconds instead of --steps: the result then depends "
                   "on how fast the machine is, and how busy.")
@click.option("--seed", type=SEED, default=DEMO_SEED, show_default=True,
              help="The seed of every run. The default was chosen among seeds 0-4, 4 of which "
                   "make an NTM that copies at 6x in the default steps (seed 0 does not).")
@click.option("--force", is_flag=True, help="Replace a directory that holds something else.")
def demo(out: Path, steps: int | None, budget: float | None, seed: int, force: bool) -> None:
    """The main job, in a few minutes: the NTM and the LSTM learn the NTM paper's copy task,
    the soft TM learns invert, the classical machine runs both; then the report.

    \b
    Copy is on 8-bit vectors, trained on lengths 1-20 and evaluated at 20, 40, 80 and 120
    (6x): on the default seed the NTM, whose heads learn to move like a Turing machine's,
    copies at every length; the LSTM does not even fit its training lengths in these steps,
    and the report says so. Invert: the soft TM's learned table, hardened into a classical
    program. Progress is printed while the machines train.
    Training counts steps, not seconds, so a slower or busier machine takes longer but
    trains the same machines (1 to 3 minutes of training on 2 cores, by the CPU).
    """
    from analysis.compare import CompareConfig
    from analysis.sweep import SweepOptions

    if steps and budget:
        raise click.UsageError("give --steps or --budget, not both")
    config = CompareConfig(tasks=["copy", "invert"], machines=["classical", "ntm", "lstm",
                                                               "softtm"],
                           pairs=[["copy", "classical"], ["copy", "ntm"], ["copy", "lstm"],
                                  ["invert", "classical"], ["invert", "softtm"]],
                           **({"budget": budget} if budget else {"steps": steps or DEMO_STEPS}),
                           train_length=DEMO_LENGTH, samples=DEMO_SAMPLES, restarts=20, bits=8,
                           seeds=1, first_seed=seed)
    _run_compare(config, out, force, False, SweepOptions(jobs=2))


def main() -> None:
    cli(prog_name="tapelab")


if __name__ == "__main__":
    main()
