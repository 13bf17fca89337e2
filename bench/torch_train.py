# Training throughput of Debian's PyTorch for one configuration, measured the way `recurrent bench` measures ours:
# forward, BPTT, global-norm clipping at 1, Adam, on random data of fixed length; untimed warm-up steps first.
# Usage: OMP_NUM_THREADS=2 /usr/bin/python3 torch_train.py CELL T I H B STEPS  -> prints sequences/s
import sys
import time

import torch


def sequences_per_second(cell, length, inputs, hidden, batch, steps):
    torch.manual_seed(0)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](inputs, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 10)
    parameters = list(layer.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(parameters, 1e-3)
    x = torch.randn(batch, length, inputs)
    y = torch.randint(0, 10, (batch,))
    loss_function = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        output, _ = layer(x)
        loss_function(head(output[:, -1]), y).backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - start)


if __name__ == "__main__":
    cell, length, inputs, hidden, batch, steps = sys.argv[1], *map(int, sys.argv[2:7])
    print(f"{sequences_per_second(cell, length, inputs, hidden, batch, steps):.2f}")
