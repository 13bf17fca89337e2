"""PyTorch autograd's gradients of Campos et al.'s Skip RNN (ICLR 2018), written from the paper's equations, as a
yardstick for the engine's skip gates.

Per layer and direction, from s_0 = 0 and u~_1 = 1 at the direction's first step:
    u_t    = round(u~_t)                     (straight-through: forward rounds, backward passes the gradient as is)
    s_t    = u_t * S(s_{t-1}, x_t) + (1 - u_t) * s_{t-1}     (S: torch.nn.RNNCell / LSTMCell / GRUCell; s = [h; c])
    du~_t  = sigmoid(W_p s_t + b_p)
    u~_t+1 = u_t * du~_t + (1 - u_t) * (u~_t + min(du~_t, 1 - u~_t))
The next layer reads h_t (both directions concatenated); the head reads the last layer's final h (the forward
direction's at the sequence's last step, the reverse one's after t = 0). The loss is the mean over sequences of
cross-entropy or squared error plus lambda * sum of u_t over every layer, direction and step.

Reads a JSON file (its path the one argument) holding a list of cases: cell, activation, hidden, layers,
bidirectional, head, classes, budget, steps [B][T][F] (padded), lengths [B], classes or targets [B], and the engine's
weights by name (ONNX layout and gate order). Prints, per case, {"loss", "torch", "updates", "gradients": {name: [...]}}
in the engine's names, layout and gate order, as a JSON list. Everything runs in float64.
"""
import json
import sys

import torch
import torch.nn.functional as F

# Gate blocks of the engine (ONNX order) in PyTorch's order: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n.
TORCH_ORDER = {"lstm": [0, 2, 3, 1], "gru": [1, 0, 2], "rnn": [0]}


def straight_through_round(value):
    return value + (torch.round(value) - value).detach()


def cell_of(spec, width, weights, prefix, names):
    kind, hidden = spec["cell"], spec["hidden"]
    if kind == "lstm":
        cell = torch.nn.LSTMCell(width, hidden)
    elif kind == "gru":
        cell = torch.nn.GRUCell(width, hidden)
    else:
        cell = torch.nn.RNNCell(width, hidden, nonlinearity=spec["activation"])
    cell = cell.double()
    gates = len(TORCH_ORDER[kind])
    for ours, theirs in [("W_xh", "weight_ih"), ("W_hh", "weight_hh"), ("b_xh", "bias_ih"), ("b_hh", "bias_hh")]:
        parameter = getattr(cell, theirs)
        blocks = torch.tensor(weights[prefix + ours], dtype=torch.float64).reshape(gates, hidden, -1)
        parameter.data.copy_(blocks[TORCH_ORDER[kind]].reshape(parameter.shape))
        names[prefix + ours] = parameter
    w_p = torch.tensor(weights[prefix + "W_p"], dtype=torch.float64, requires_grad=True)
    b_p = torch.tensor(weights[prefix + "b_p"], dtype=torch.float64, requires_grad=True)
    names[prefix + "W_p"], names[prefix + "b_p"] = w_p, b_p
    return cell, w_p, b_p


def run_direction(kind, cell, w_p, b_p, inputs, hidden, order):
    """One direction over one sequence's steps in `order`: its h per step (by time) and the sum of its u_t."""
    h = torch.zeros(hidden, dtype=torch.float64)
    c = torch.zeros(hidden, dtype=torch.float64)
    u_tilde = torch.ones((), dtype=torch.float64)
    outputs, updates = {}, torch.zeros((), dtype=torch.float64)
    for t in order:
        u = straight_through_round(u_tilde)
        x = inputs[t].unsqueeze(0)
        if kind == "lstm":
            h_candidate, c_candidate = cell(x, (h.unsqueeze(0), c.unsqueeze(0)))
            c = u * c_candidate[0] + (1 - u) * c
        else:
            h_candidate = cell(x, h.unsqueeze(0))
        h = u * h_candidate[0] + (1 - u) * h
        state = torch.cat([h, c]) if kind == "lstm" else h
        increment = torch.sigmoid(torch.dot(w_p, state) + b_p[0])
        u_tilde = u * increment + (1 - u) * (u_tilde + torch.minimum(increment, 1 - u_tilde))
        updates = updates + u
        outputs[t] = h
    return outputs, h, updates


def gradients_of(spec):
    kind, hidden, layers, head = spec["cell"], spec["hidden"], spec["layers"], spec["head"]
    directions = 2 if spec["bidirectional"] else 1
    weights = spec["weights"]
    steps = torch.tensor(spec["steps"], dtype=torch.float64)
    names = {}
    cells = []
    width = steps.shape[-1]
    for layer in range(layers):
        cells.append([cell_of(spec, width, weights, f"layer{layer}." if d == 0 else f"layer{layer}_reverse.", names)
                      for d in range(directions)])
        width = directions * hidden
    outputs = spec["classes"] if head == "multiclass" else 1
    linear = torch.nn.Linear(directions * hidden, outputs).double()
    linear.weight.data.copy_(torch.tensor(weights["head.W"], dtype=torch.float64).reshape(outputs, -1))
    linear.bias.data.copy_(torch.tensor(weights["head.b"], dtype=torch.float64))

    total, updates = torch.zeros((), dtype=torch.float64), torch.zeros((), dtype=torch.float64)
    for b, length in enumerate(spec["lengths"]):
        inputs = steps[b, :length]
        for layer in range(layers):
            per_direction, finals = [], []
            for d, (cell, w_p, b_p) in enumerate(cells[layer]):
                order = range(length) if d == 0 else range(length - 1, -1, -1)
                each, final, counted = run_direction(kind, cell, w_p, b_p, inputs, hidden, order)
                per_direction.append(torch.stack([each[t] for t in range(length)]))
                finals.append(final)
                updates = updates + counted
            inputs = torch.cat(per_direction, dim=1)
        logits = linear(torch.cat(finals))
        if head == "regression":
            total = total + (logits[0] - spec["targets"][b]) ** 2
        else:
            total = total + F.cross_entropy(logits.unsqueeze(0), torch.tensor([spec["class_indices"][b]]))
    batch = len(spec["lengths"])
    loss = total / batch + spec["budget"] * updates / batch
    loss.backward()

    gradients = {}
    for name, parameter in names.items():
        if name.endswith("W_p") or name.endswith("b_p"):
            gradients[name] = parameter.grad.reshape(-1).tolist()
        else:
            blocks = parameter.grad.reshape(len(TORCH_ORDER[kind]), hidden, -1)
            inverse = [TORCH_ORDER[kind].index(i) for i in range(len(TORCH_ORDER[kind]))]
            gradients[name] = blocks[inverse].reshape(-1).tolist()
    gradients["head.W"] = linear.weight.grad.reshape(-1).tolist()
    gradients["head.b"] = linear.bias.grad.reshape(-1).tolist()
    return {"loss": loss.item(), "torch": torch.__version__, "updates": updates.item(), "gradients": gradients}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as cases:
        json.dump([gradients_of(case) for case in json.load(cases)], sys.stdout)
