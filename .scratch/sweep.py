"""Batched sweep over 5-example training sets for binary_decrement: sets x restarts in one tensor program."""
import sys, time, itertools, json, os
sys.path.insert(0, os.getcwd())
import numpy as np, torch
import torch.nn.functional as F
from machines.soft_tm import SoftTM, SoftConfiguration
from machines.classical import run
from tasks.suite import get_task
from types import SimpleNamespace

def initial(self, tape, start_cell):
    R, B, L, _ = tape.shape
    state = torch.zeros(R, B, len(self.states), device=tape.device); state[..., 0] = 1.0
    head = torch.zeros(R, B, L, device=tape.device); head[..., start_cell] = 1.0
    return SoftConfiguration(state, head, tape, torch.ones(R, B, device=tape.device))
SoftTM.initial = initial

task = get_task('binary_decrement')
SYM = (' ', '0', '1'); L = 5; T = 9
def all_sets():
    by = {n: [''.join(b) for b in itertools.product('01', repeat=n) if '1' in b] for n in (1, 2, 3, 4)}
    for a, b in itertools.combinations(by[4], 2):
        for c in by[3]:
            for d in by[2]:
                yield (a, c, d, '1', b)

def main(edge, iters, per, limit, seed, out, every=1):
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    sets = list(all_sets())[::every][:limit]
    G = len(sets); R = G * per
    tape = torch.zeros(G, 5, L, 3); target = torch.zeros(G, 5, L, dtype=torch.long)
    for g, s in enumerate(sets):
        for b, inp in enumerate(s):
            out_ = task.solve(inp)
            for i in range(L):
                tape[g, b, i, SYM.index(inp[i] if i < len(inp) else ' ')] = 1
                target[g, b, i] = SYM.index(out_[i] if i < len(out_) else ' ')
    tape = tape.repeat_interleave(per, 0).to(dev); target = target.repeat_interleave(per, 0).to(dev)
    batch = SimpleNamespace(tape=tape, target_tape=target, target_state=torch.full((R, 5), 3, device=dev),
                            verdict=torch.full((R, 5), -1, device=dev), steps=torch.full((5,), T), origin=0)
    torch.manual_seed(seed)
    model = SoftTM(('q0', 'q1', 'q2', 'halt'), SYM, (False, False, False, True), restarts=R, edge=edge).to(dev)
    model.gumbel_tau = (2.0, 0.5)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    t0 = time.time()
    model.train()
    for it in range(iters):
        loss, wrong, _ = model.training_loss(batch, it, iters)
        opt.zero_grad(); loss.backward(); opt.step()
    if dev == 'cuda': torch.cuda.synchronize()
    t_train = time.time() - t0
    model.eval(); model.tau = None
    with torch.no_grad():
        final, _ = model(tape, T, 0)
        _, wrong = model.outcome_loss(final, batch)
        visits = model.visits(tape, T, 0)
    rng = np.random.default_rng(123)
    held = [task.sample(n, rng).input for n in (5, 6, 7, 8, 20) for _ in range(8)]
    from machines.formats import dumps
    cache = {}
    def solves(p, i):
        r = run(p, i, max_steps=5000)
        return r.halted and task.output.read(r) == task.solve(i)
    def general(p):
        k = dumps(p, 'yaml')
        if k not in cache:
            cache[k] = all(solves(p, i) for i in held)
        return cache[k]
    model = model.cpu(); visits = visits.cpu(); wrong = wrong.cpu()
    res = []
    for g, s in enumerate(sets):
        soft = hard = gen = 0
        for r in range(g * per, (g + 1) * per):
            if wrong[r] != 0: continue
            soft += 1
            p = model.harden(r, visits=visits)
            if all(solves(p, i) for i in s):
                hard += 1
                gen += general(p)
        res.append(dict(set=','.join(s), soft=soft, hard=hard, gen=gen))
    json.dump(dict(edge=edge, iters=iters, per=per, train_s=t_train, total_s=time.time() - t0, res=res),
              open(out, 'w'))
    print(edge, G, per, 'train', round(t_train, 1), 'total', round(time.time() - t0, 1), flush=True)

if __name__ == '__main__':
    a = sys.argv
    if a[1] == 'all':
        start = time.time(); budget = float(a[2])
        for edge in ('open', 'clamp', 'circular'):
            if time.time() - start > budget: break
            main(edge, int(a[3]), int(a[4]), 10**6, 0, os.path.join(os.environ.get('OUT', '.'), f'sw_{edge}.json'))
    else:
        main(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), a[6], int(a[7]) if len(a) > 7 else 1)
