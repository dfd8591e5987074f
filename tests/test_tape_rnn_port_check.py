"""benchmarks/tape_rnn_port_check.py, which replays a run of Delétang et al.'s code in
tapelab's port: the pieces that need no JAX (their encoding, their weights' names and the
order of their actions). Their code's run itself is the benchmark's, not a test's."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]


def load():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "tape_rnn_port_check", ROOT / "benchmarks" / "tape_rnn_port_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


check = load()


def their_move(tape: np.ndarray, action: int, n: int) -> np.ndarray:
    """Their TapeInputLengthJumpCore's tape operation for ``action`` (models/tape_rnn.py):
    the identity rolled along axis 0 by 0, -1, +1, -n, +n, applied as einsum('mM,Mc->mc')."""
    shift = [0, -1, 1, -n, n][action]
    return np.roll(np.eye(len(tape)), shift, axis=0) @ tape


def test_the_ports_action_k_moves_the_tape_as_their_action_perm_k():
    L, n, width = 9, 3, 2
    tape = np.arange(L * width, dtype=np.float32).reshape(L, width)
    value = np.array([-1.0, -2.0], dtype=np.float32)
    written = tape.copy()
    written[0] = value
    index = check.TapeRNN.shifts(torch.tensor([n]))
    from machines.tape_rnn import move_index
    for k in range(5):
        actions = torch.zeros(1, 5)
        actions[0, k] = 1.0
        mine = check.TapeRNN.step(torch.tensor(tape)[None], actions, torch.tensor(value)[None],
                                  move_index(index, L))[0].numpy()
        assert np.array_equal(mine, their_move(written, check.PERM[k], n)), k


def test_their_weights_become_the_ports_state_dict():
    """Every parameter of the port (variant deletang) has one of theirs, of its shape once
    transposed, and the actions' rows come in the order of PERM."""
    model = check.port(11, check.state_dict(fake_record(), "init"))
    names = check.haiku_names()
    assert set(names) == set(dict(model.named_parameters()))
    actions = fake_record()[f"init/{names['actions.weight']}"]      # [256, 5]
    assert torch.equal(model.actions.weight.detach(), torch.tensor(actions.T[check.PERM]))


def fake_record() -> dict:
    """Weights of their shapes (haiku's [in, out]), random, as the driver's --record keeps."""
    model = check.TapeRNN(check.TapeRNNConfig(input_size=3, output_size=2, hidden_size=256,
                                              tape_width=8, variant="deletang"))
    rng = np.random.default_rng(0)
    record = {}
    for name, p in model.named_parameters():
        shape = tuple(reversed(p.shape)) if p.dim() == 2 else tuple(p.shape)
        record[f"init/{check.haiku_names()[name]}"] = rng.normal(size=shape).astype(np.float32)
    return record


def test_their_encoding_tells_the_port_the_input_length():
    strings = np.array([[0, 1, 1, 0, 1], [1, 1, 0, 0, 0]])
    batch = check.their_batch(strings, check.evens_first(strings))
    assert batch.inputs.shape == (2, 10, 3)
    assert torch.equal(batch.inputs[..., -1].argmax(1), torch.tensor([5, 5]))
    assert batch.mask[:, 5:].all() and not batch.mask[:, :5].any()
    assert [e.output for e in batch.examples] == ["10011", "10100"]      # s_2 s_4, s_1 s_3 s_5
    assert torch.equal(batch.targets[0, 5:].argmax(-1), torch.tensor([1, 0, 0, 1, 1]))


def test_a_missing_or_broken_record_is_a_one_line_error(tmp_path, capsys):
    assert check.main(["--record", str(tmp_path / "none.npz")]) == 2
    assert "does not exist, and --code None is not a checkout" in capsys.readouterr().err
    broken = tmp_path / "broken.npz"
    np.savez(broken, losses=np.zeros(3))                  # an .npz, but not their run's
    assert check.main(["--record", str(broken)]) == 2
    assert "not a record of benchmarks/deletang_driver.py --record" in capsys.readouterr().err
