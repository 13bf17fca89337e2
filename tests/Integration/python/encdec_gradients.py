"""PyTorch autograd's gradients of an encoder-decoder's teacher-forced loss, the yardstick for the engine's BPTT
through the bridge.

Reads a JSON file (its path the one argument) holding a list of cases, each: the cell (lstm, gru, rnn with tanh),
hidden, layers, use_bias, the embedding width, the padded sources [B][S] with their lengths, the decoder's padded
inputs [B][T] (the start id, then the target) with their lengths, the classes it must score [B][T] (the target, then
the end id; -1 past each length), and the engine's weights by name (ONNX layout and gate order). Builds an encoder
nn.LSTM/GRU/RNN over the packed sources, hands its final (h_n, c_n) to a decoder of the same kind over the packed
decoder inputs, a linear head, and the mean cross-entropy over the target steps; runs backward and prints
{"loss": L, "gradients": {name: [...]}} in the engine's names, layout and gate order, one result per case, as a list.
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


def stack(spec, side, width, names):
    cell, hidden, layers, use_bias = spec["cell"], spec["hidden"], spec["layers"], spec["use_bias"]
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(cell)
    arguments = dict(input_size=width, hidden_size=hidden, num_layers=layers, bias=use_bias, batch_first=True)
    network = (kind(**arguments) if kind else torch.nn.RNN(nonlinearity="tanh", **arguments)).double()
    gates = len(TORCH_ORDER[cell])
    for layer in range(layers):
        pairs = [("W_xh", f"weight_ih_l{layer}"), ("W_hh", f"weight_hh_l{layer}")]
        if use_bias:
            pairs += [("b_xh", f"bias_ih_l{layer}"), ("b_hh", f"bias_hh_l{layer}")]
        for ours, theirs in pairs:
            name = f"{side}.layer{layer}.{ours}"
            parameter = getattr(network, theirs)
            blocks = torch.tensor(spec["weights"][name], dtype=torch.float64).reshape(gates, hidden, -1)
            parameter.data.copy_(blocks[TORCH_ORDER[cell]].reshape(parameter.shape))
            names[name] = parameter
    return network


def embedding(spec, side):
    table = torch.tensor(spec["weights"][f"{side}.embedding"], dtype=torch.float64).reshape(-1, spec["embedding"])
    return torch.nn.Embedding.from_pretrained(table, freeze=False)


def gradients_of(spec):
    cell, hidden, use_bias = spec["cell"], spec["hidden"], spec["use_bias"]
    names = {}
    source_embedding, target_embedding = embedding(spec, "encoder"), embedding(spec, "decoder")
    encoder = stack(spec, "encoder", spec["embedding"], names)
    decoder = stack(spec, "decoder", spec["embedding"], names)
    classes = torch.tensor(spec["decoder_classes"], dtype=torch.int64)
    outputs = spec["classes"]
    head = torch.nn.Linear(hidden, outputs, bias=use_bias).double()
    head.weight.data.copy_(torch.tensor(spec["weights"]["head.W"], dtype=torch.float64).reshape(outputs, -1))
    if use_bias:
        head.bias.data.copy_(torch.tensor(spec["weights"]["head.b"], dtype=torch.float64))

    sources = source_embedding(torch.tensor(spec["sources"], dtype=torch.int64))
    packed = pack_padded_sequence(sources, torch.tensor(spec["source_lengths"]), batch_first=True, enforce_sorted=False)
    _, state = encoder(packed)  # each layer's state at each sequence's last valid step
    inputs = target_embedding(torch.tensor(spec["decoder_inputs"], dtype=torch.int64))
    packed = pack_padded_sequence(inputs, torch.tensor(spec["decoder_lengths"]), batch_first=True, enforce_sorted=False)
    states, _ = pad_packed_sequence(decoder(packed, state)[0], batch_first=True, total_length=inputs.shape[1])
    logits = head(states)
    loss = F.cross_entropy(logits.reshape(-1, outputs), classes.reshape(-1), ignore_index=-1, reduction="mean")
    loss.backward()

    gradients = {name: from_torch(parameter.grad, cell, hidden) for name, parameter in names.items()}
    gradients["encoder.embedding"] = source_embedding.weight.grad.reshape(-1).tolist()
    gradients["decoder.embedding"] = target_embedding.weight.grad.reshape(-1).tolist()
    gradients["head.W"] = head.weight.grad.reshape(-1).tolist()
    if use_bias:
        gradients["head.b"] = head.bias.grad.reshape(-1).tolist()
    return {"loss": loss.item(), "torch": torch.__version__, "gradients": gradients}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as cases:
        json.dump([gradients_of(case) for case in json.load(cases)], sys.stdout)
