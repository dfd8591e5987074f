"""The chain engine against the plain step loop, busy-beaver targets, never-halting verdicts."""
import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from conftest import corpus_params
from machines.classical import NEVER_HALTS, run
from machines.formats import load, loads
from tasks.suite import NAMES, get_task

LIMITS = (0, 1, 2, 5, 17, 100, 5000)


@pytest.mark.parametrize("path", corpus_params("turingmachine-io") + corpus_params("morphett"))
def test_engines_agree_on_the_corpus(path):
    program = load(path)
    for limit in LIMITS:
        plain = run(program, max_steps=limit, engine="plain")
        chain = run(program, max_steps=limit, engine="chain")
        if chain.reason in NEVER_HALTS:
            assert plain.reason == "step-limit"
        else:
            assert chain == plain, limit
    final = run(program, max_steps=100_000, engine="chain")
    assert final.reason not in NEVER_HALTS or run(program, max_steps=100_000,
                                                            engine="plain").reason == "step-limit"


@pytest.mark.parametrize("name", NAMES)
def test_engines_agree_on_the_task_machines(name):
    task = get_task(name)
    rng = np.random.default_rng(5)
    for _ in range(15):
        e = task.sample(int(rng.integers(task.min_length, 30)), rng)
        assert run(task.reference, e.input, engine="chain") == run(task.reference, e.input,
                                                                   engine="plain")


def random_machine(rng, states, symbols):
    rows = []
    for q in range(states):
        row = ""
        for s in range(symbols):
            if rng.random() < 0.1:
                row += "---"
            else:
                nxt = "ABCDEFGH"[rng.integers(states + 1)] if rng.random() > 0.05 else "Z"
                row += f"{rng.integers(symbols)}{'LR'[rng.integers(2)]}{nxt}"
        rows.append(row)
    return "_".join(rows)


def test_engines_agree_on_random_small_machines():
    rng = np.random.default_rng(0)
    verdicts = 0
    for i in range(400):
        text = random_machine(rng, int(rng.integers(1, 5)), int(rng.integers(2, 4)))
        program = load(text)
        for limit in (37, 3000):
            plain = run(program, max_steps=limit, engine="plain")
            chain = run(program, max_steps=limit, engine="chain")
            if chain.reason in NEVER_HALTS:
                verdicts += 1
                assert plain.reason == "step-limit", text        # never claimed for a halter
                assert run(program, max_steps=20_000, engine="plain").reason == "step-limit"
            else:
                assert chain == plain, (text, limit)
    assert verdicts > 20


@pytest.mark.parametrize("machine, steps, nonzero", [
    ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", 47_176_870, 4_098),      # BB(5)
    ("1RB2LA1RA1RA_1LB1LA3RB1RZ", 3_932_964, 2_050),               # BB(2,4)
    ("1RB2RA2RC_1LC---1LA_1RA2LB1LC", 310_341_163, 36_089),         # 3 states, 3 symbols
])
def test_busy_beaver_targets(machine, steps, nonzero):
    r = run(load(machine), max_steps=10**10, engine="chain")
    assert (r.reason, r.steps, r.tape.nonblank()) == ("halt-state", steps, nonzero)


@pytest.mark.slow
def test_the_five_billion_step_machine():
    r = run(load("1RB---2RB_1LC0LB1RA_1RA2LC1RC"), max_steps=10**10, engine="chain")
    assert (r.steps, r.tape.nonblank()) == (4_939_345_068, 107_900)


def test_cycle_and_runs_off_verdicts():
    bounce = loads("0 _ _ r 1\n1 _ _ l 0\n", "morphett")
    r = run(bounce, max_steps=1000)
    assert (r.reason, r.halted, r.period) == ("cycle", False, 2)
    assert run(bounce, max_steps=1000, engine="plain").reason == "step-limit"
    march = loads("0 _ 1 r 1\n1 _ _ l 2\n2 1 1 r 0\n", "morphett")    # 1_1_1_... rightwards
    r = run(march, max_steps=1000)
    assert (r.reason, r.halted, r.since, r.period) == ("translated-cycle", False, 1, 3)
    assert run(march, max_steps=1000, engine="plain").reason == "step-limit"
    still = loads("0 1 1 * 0\n", "morphett")                           # stays, forever
    assert (run(still, "1").reason, run(still, "1").period) == ("cycle", 1)
    assert run(load("1RA1RA"), max_steps=1000).reason == "runs-off"
    left = loads("0 * x l 0\n", "morphett")                              # writes x leftwards
    r = run(left, "abc", max_steps=1000)
    assert r.reason == "runs-off" and r.tape.text.startswith("x")


def test_cli_verdicts_and_exit_codes():
    r = CliRunner().invoke(cli, ["run", "1RA1RA"])
    assert r.exit_code == 4 and "runs off" in r.stdout
    r = CliRunner().invoke(cli, ["run", "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", "--json"])
    assert r.exit_code == 0 and '"steps": 47176870' in r.stdout
    r = CliRunner().invoke(cli, ["run", "1RA1RA", "--engine", "plain", "--max-steps", "50"])
    assert r.exit_code == 3


# ---------------------------------------------------------------- the macro engine
MACROS = [(k, back) for k in (1, 2, 3, 5) for back in (False, True)]


def _same_or_proven(program, text, limit, **macro):
    """The macro engine's result equals the plain loop's, or it proves (soundly) that the
    machine never halts."""
    plain = run(program, text, max_steps=limit, engine="plain")
    got = run(program, text, max_steps=limit, engine="macro", **macro)
    if got.reason in NEVER_HALTS:
        assert plain.reason == "step-limit", (macro, limit)
        if got.reason == "cycle":        # the configuration at ``since`` recurs a period on
            a = run(program, text, max_steps=got.since, engine="plain")
            b = run(program, text, max_steps=got.since + got.period, engine="plain")
            assert (a.state, a.head, a.tape) == (b.state, b.head, b.tape)
        return 1
    assert got == plain, (macro, limit)
    return 0


@pytest.mark.parametrize("path", corpus_params("turingmachine-io") + corpus_params("morphett"))
def test_macro_machines_agree_on_the_corpus(path):
    program = load(path)
    for block, back in MACROS:
        for limit in (0, 3, 50, 5000):
            _same_or_proven(program, None, limit, block=block, back=back)


@pytest.mark.parametrize("name", NAMES)
def test_macro_machines_agree_on_the_task_machines(name):
    task = get_task(name)
    rng = np.random.default_rng(6)
    for block, back in MACROS:
        e = task.sample(int(rng.integers(task.min_length, 30)), rng)
        for limit in (7, 10_000_000):
            _same_or_proven(task.reference, e.input, limit, block=block, back=back)


def test_macro_machines_agree_on_random_small_machines():
    rng = np.random.default_rng(1)
    verdicts = 0
    for i in range(150):
        text = random_machine(rng, int(rng.integers(1, 5)), int(rng.integers(2, 4)))
        program = load(text)
        block, back = MACROS[i % len(MACROS)]
        for limit in (37, 3000):
            verdicts += _same_or_proven(program, None, limit, block=block, back=back)
    assert verdicts > 10


def test_block_size_search():
    from machines.macro import block_sizes
    tape = [1, 1, 0] * 50                              # three-cell digits: k = 3 or a multiple
    assert block_sizes(tape, 0)[0] == 3
    assert block_sizes([1] * 40, 0)[0] == 1


@pytest.mark.parametrize("machine, steps, nonzero", [
    ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", 47_176_870, 4_098),
    ("1RB2LA1RA1RA_1LB1LA3RB1RZ", 3_932_964, 2_050),
    ("1RB2RA2RC_1LC---1LA_1RA2LB1LC", 310_341_163, 36_089),
])
def test_busy_beaver_targets_on_the_macro_engine(machine, steps, nonzero):
    program = load(machine)
    r = run(program, max_steps=10**10, engine="macro")
    assert (r.reason, r.steps, r.tape.nonblank()) == ("halt-state", steps, nonzero)
    assert r == run(program, max_steps=10**10, engine="chain")
    cut = run(program, max_steps=steps // 3, engine="macro", block=3, back=True)
    assert cut == run(program, max_steps=steps // 3, engine="chain")     # exact at the limit


@pytest.mark.slow
def test_the_five_billion_step_machine_on_the_macro_engine():
    r = run(load("1RB---2RB_1LC0LB1RA_1RA2LC1RC"), max_steps=10**10, engine="macro")
    assert (r.steps, r.tape.nonblank()) == (4_939_345_068, 107_900)


def test_macro_verdicts():
    assert run(load("1RA1RA"), max_steps=10**6, engine="macro", block=2).reason == "runs-off"
    zigzag = load("1RB1RB_0LA---")      # two cells right, one back: never halts
    r = run(zigzag, max_steps=10**6, engine="macro", block=4, back=True)
    assert r.reason in NEVER_HALTS and run(zigzag, max_steps=10**5,
                                            engine="plain").reason == "step-limit"
    bounce = loads("0 _ _ r 1\n1 _ _ l 0\n", "morphett")
    r = run(bounce, max_steps=1000, engine="macro", block=2, back=False)
    assert r.reason == "cycle"


def test_cli_macro_engine_options():
    args = ["run", "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", "--json", "--engine", "macro"]
    for extra in ([], ["--block", "3", "--back"], ["--block", "1", "--no-back"]):
        r = CliRunner().invoke(cli, args + extra)
        assert r.exit_code == 0 and '"steps": 47176870' in r.stdout, extra
    r = CliRunner().invoke(cli, ["run", "1RA1RA", "--block", "2"])
    assert r.exit_code == 2 and "--engine macro" in r.stderr


# ---------------------------------------------------------------- proven rules
BB33 = "0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC"     # the BB(3,3) champion, 1.19e17 steps


def _count_rules(monkeypatch):
    import machines.macro as macro
    applied = []
    original = macro.apply

    def counting(*args):
        out = original(*args)
        applied.append(out)
        return out
    monkeypatch.setattr(macro, "apply", counting)
    return applied


def test_linear_expressions():
    from machines.rules import Lin
    e = Lin(3, {0: 1}) + Lin(-1, {0: 1, 1: 2}) + 4
    assert (e.c, e.v) == (6, {0: 2, 1: 2}) and e.at({0: 5, 1: 1}) == 18
    assert (e + Lin(0, {1: -2})).v == {0: 2} and e.scale(0).v == {}


@pytest.mark.parametrize("limit", [10**6 + 7, 123_456_789, 10**9])
@pytest.mark.parametrize("machine", [BB33, "1RB2RA2RC_1LC---1LA_1RA2LB1LC"])
def test_rules_agree_with_the_chain_engine_at_step_limits(machine, limit, monkeypatch):
    applied = _count_rules(monkeypatch)
    program = load(machine)
    chain = run(program, max_steps=limit, engine="chain")
    assert run(program, max_steps=limit, engine="macro", block=1, back=False) == chain
    assert run(program, max_steps=limit, engine="macro") == chain
    assert sum(1 for a in applied if a.passes > 1) >= 3        # rules did the work


def test_rules_agree_on_random_machines_run_long(monkeypatch):
    """Against the chain engine (itself checked against the plain loop above)."""
    applied = _count_rules(monkeypatch)
    rng = np.random.default_rng(3)
    for i in range(150):
        program = load(random_machine(rng, int(rng.integers(2, 5)), int(rng.integers(2, 4))))
        block, back = MACROS[i % len(MACROS)]
        chain = run(program, max_steps=10**5, engine="chain")
        # deciders off: the translated cyclers would get their verdict before the rules run
        got = run(program, max_steps=10**5, engine="macro", block=block, back=back,
                  deciders=False)
        if got.reason in NEVER_HALTS:
            assert chain.reason == "step-limit" or chain.reason in NEVER_HALTS
        else:
            assert got == chain, (i, block, back)
    # rules did work: translated cyclers get proven to repeat forever by a rule
    assert sum(1 for a in applied if a.forever) >= 3


def test_auto_engine_takes_the_macro_engine_beyond_a_billion_steps():
    program = load(BB33)
    r = run(program, max_steps=10**13)
    assert (r.reason, r.steps) == ("step-limit", 10**13)
    assert r == run(program, max_steps=10**13, engine="macro")


def test_cli_step_counts_and_no_rules():
    r = CliRunner().invoke(cli, ["run", BB33, "--engine", "macro", "--max-steps", "10**13",
                                 "--json"])
    assert r.exit_code == 3 and '"steps": 10000000000000' in r.stdout
    r = CliRunner().invoke(cli, ["run", "1RB1LB_1LA0LC_1RZ1LD_1RD0RA", "--max-steps", "1e3"])
    assert r.exit_code == 0 and "107 steps" in r.stdout
    r = CliRunner().invoke(cli, ["run", "1RB1LB_1LA0LC_1RZ1LD_1RD0RA", "--max-steps", "1.5"])
    assert r.exit_code == 2 and "step count" in r.stderr
    r = CliRunner().invoke(cli, ["run", "1RB1LB_1LA0LC_1RZ1LD_1RD0RA", "--no-rules"])
    assert r.exit_code == 2


@pytest.mark.slow
def test_the_bb33_champion_to_its_halt():
    r = run(load(BB33), max_steps=10**18)          # auto: the macro engine at this limit
    assert (r.reason, r.steps, r.tape.nonblank()) == ("halt-state", 119_112_334_170_342_541,
                                                      374_676_383)
