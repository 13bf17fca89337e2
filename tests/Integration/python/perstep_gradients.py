"""PyTorch autograd's gradients of a per-step loss over nn.RNN/LSTM/GRU, as the yardstick for the engine's BPTT.

Reads a JSON file (its path the one argument) holding a list of cases, each: the network (cell, activation, hidden, layers, bidirectional, head, classes,
use_bias), the batch (tokens [B][T] or steps [B][T][F], lengths [B], per-step classes [B][T] with -1 for no label,
or per-step targets [B][T] with null for none) and the engine's weights by name (ONNX layout and gate order).
Builds the same network in float64, computes the mean over labelled steps of the per-step loss (cross-entropy,
sigmoid binary cross-entropy or squared error), runs backward and prints {"loss": L, "gradients": {name: [...]}}
with the gradients back in the engine's names, layout and gate order, one result per case, as a JSON list.
"""
import json
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

# Gate blocks of the engine (ONNX order) in PyTorch's order: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n.
TORCH_ORDER = {"lstm": [0, 2, 3, 1], "gru": [1, 0, 2], "rnn": [0]}


def from_torch(gradient, cell, hidden):
    blocks = gradient.reshape(len(TORCH_ORDER[cell]), hidden, -1)
    inverse = [TORCH_ORDER[cell].index(i) for i in range(len(TORCH_ORDER[cell]))]
    return blocks[inverse].reshape(-1).tolist()


def gradients_of(spec):
    cell, hidden, layers = spec["cell"], spec["hidden"], spec["layers"]
    bidirectional, head, use_bias = spec["bidirectional"], spec["head"], spec["use_bias"]
    weights = spec["weights"]
    gates = len(TORCH_ORDER[cell])
    directions = 2 if bidirectional else 1
    lengths = torch.tensor(spec["lengths"], dtype=torch.int64)

    embedding = None
    if "tokens" in spec:
        width = spec["embedding"]
        table = torch.tensor(weights["embedding"], dtype=torch.float64).reshape(-1, width)
        embedding = torch.nn.Embedding.from_pretrained(table, freeze=False)
        inputs = embedding(torch.tensor(spec["tokens"], dtype=torch.int64))
    else:
        inputs = torch.tensor(spec["steps"], dtype=torch.float64)
        width = inputs.shape[-1]

    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(cell)
    arguments = dict(input_size=width, hidden_size=hidden, num_layers=layers, bias=use_bias, batch_first=True,
                     bidirectional=bidirectional)
    network = kind(**arguments) if kind else torch.nn.RNN(nonlinearity=spec["activation"], **arguments)
    network = network.double()
    names = {}
    for layer in range(layers):
        for direction in range(directions):
            ours = f"layer{layer}." if direction == 0 else f"layer{layer}_reverse."
            theirs = "_reverse" if direction == 1 else ""
            pairs = [("W_xh", f"weight_ih_l{layer}{theirs}"), ("W_hh", f"weight_hh_l{layer}{theirs}")]
            if use_bias:
                pairs += [("b_xh", f"bias_ih_l{layer}{theirs}"), ("b_hh", f"bias_hh_l{layer}{theirs}")]
            for our, their in pairs:
                parameter = getattr(network, their)
                blocks = torch.tensor(weights[ours + our], dtype=torch.float64).reshape(gates, hidden, -1)
                parameter.data.copy_(blocks[TORCH_ORDER[cell]].reshape(parameter.shape))
                names[ours + our] = parameter

    outputs = spec["classes"] if head == "multiclass" else 1
    linear = torch.nn.Linear(directions * hidden, outputs, bias=use_bias).double()
    linear.weight.data.copy_(torch.tensor(weights["head.W"], dtype=torch.float64).reshape(outputs, -1))
    if use_bias:
        linear.bias.data.copy_(torch.tensor(weights["head.b"], dtype=torch.float64))

    packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
    states, _ = pad_packed_sequence(network(packed)[0], batch_first=True, total_length=inputs.shape[1])
    logits = linear(states)

    if head == "regression":
        targets = torch.tensor([[float("nan") if y is None else y for y in row] for row in spec["targets"]],
                               dtype=torch.float64)
        labelled = ~torch.isnan(targets)
        loss = ((logits[..., 0] - torch.nan_to_num(targets)) ** 2)[labelled].sum() / labelled.sum()
    else:
        classes = torch.tensor(spec["step_classes"], dtype=torch.int64)
        labelled = classes >= 0
        if head == "multiclass":
            loss = F.cross_entropy(logits.reshape(-1, outputs), classes.reshape(-1), ignore_index=-1, reduction="mean")
        else:
            each = F.binary_cross_entropy_with_logits(logits[..., 0], classes.clamp(min=0).double(), reduction="none")
            loss = each[labelled].sum() / labelled.sum()
    loss.backward()

    gradients = {name: from_torch(parameter.grad, cell, hidden) for name, parameter in names.items()}
    gradients["head.W"] = linear.weight.grad.reshape(-1).tolist()
    if use_bias:
        gradients["head.b"] = linear.bias.grad.reshape(-1).tolist()
    if embedding is not None:
        gradients["embedding"] = embedding.weight.grad.reshape(-1).tolist()
    return {"loss": loss.item(), "torch": torch.__version__, "gradients": gradients}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as cases:
        json.dump([gradients_of(case) for case in json.load(cases)], sys.stdout)
