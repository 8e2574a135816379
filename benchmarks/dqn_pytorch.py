#!/usr/bin/env python3
"""The DQN reference workload of `platform bench dqn`, in PyTorch, for a side-by-side comparison.

Same shapes and steps: states 24 x 20, 3 actions, hidden 64; one update = sample 64 from a prefilled
10,000-transition replay, policy forward on s, target forward on s' without grad, Huber loss against
r + 0.99 * max Q_target(s') * (1 - done), backward, Adam step (lr 1e-3); inference = one state -> argmax,
timed per call over 2,000 calls. One thread. Prints one JSON line like the platform command.

Needs Debian's python3-torch (apt-get install python3-torch); not used by any test.
Usage: python3 benchmarks/dqn_pytorch.py --model linear|lstm [--updates N] [--rounds N]
"""
import argparse
import json
import time

import torch
from torch import nn

WINDOW, FEATURES, HIDDEN, ACTIONS = 24, 20, 64, 3
BATCH, REPLAY, GAMMA, LR, INFER_CALLS = 64, 10_000, 0.99, 1e-3, 2_000


class LstmQ(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, ACTIONS)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.head(output[:, -1, :])


def network(model):
    if model == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(WINDOW * FEATURES, HIDDEN), nn.Linear(HIDDEN, ACTIONS))
    return LstmQ()


def run(model, updates):
    torch.manual_seed(1)
    policy, target = network(model), network(model)
    target.load_state_dict(policy.state_dict())
    optimizer = torch.optim.Adam(policy.parameters(), lr=LR)
    states = torch.rand(REPLAY, WINDOW, FEATURES)
    next_states = torch.rand(REPLAY, WINDOW, FEATURES)
    actions = torch.randint(ACTIONS, (REPLAY,))
    rewards = torch.rand(REPLAY) - 0.5
    dones = (torch.rand(REPLAY) < 0.01).float()

    def update():
        index = torch.randint(REPLAY, (BATCH,))
        q = policy(states[index]).gather(1, actions[index].unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            y = rewards[index] + GAMMA * target(next_states[index]).max(1).values * (1 - dones[index])
        loss = nn.functional.huber_loss(q, y, delta=1.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(max(20, updates // 10)):
        update()
    start = time.perf_counter()
    for _ in range(updates):
        update()
    updates_per_s = updates / (time.perf_counter() - start)

    policy.eval()
    one = states[:1].clone()
    micros = []
    with torch.no_grad():
        for i in range(200 + INFER_CALLS):
            t = time.perf_counter()
            int(policy(one).argmax(1).item())
            if i >= 200:
                micros.append((time.perf_counter() - t) * 1e6)
    micros.sort()
    return updates_per_s, micros[int(0.50 * (INFER_CALLS - 1))], micros[int(0.99 * (INFER_CALLS - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["linear", "lstm"], required=True)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = [run(args.model, args.updates) for _ in range(args.rounds)]
    print(json.dumps({
        "model": args.model,
        "implementation": "pytorch",
        "torch_version": torch.__version__,
        "updates_per_s": round(max(r[0] for r in results), 1),
        "infer_us_p50": round(min(r[1] for r in results), 1),
        "infer_us_p99": round(min(r[2] for r in results), 1),
    }))


if __name__ == "__main__":
    main()
