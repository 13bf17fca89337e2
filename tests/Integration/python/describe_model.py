"""Checks an ONNX file with the onnx package's checker (full check, with shape inference) and prints what the
onnx parser read from it as JSON, so the C# tests can compare it with what the writer was asked to write.
Usage: /usr/bin/python3 describe_model.py model.onnx [--parse-only]
--parse-only skips the checker, for models built to carry fields rather than to run."""
import json
import sys

import onnx
from onnx import helper, numpy_helper


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in shape.dim]


def tensor(t):
    return {"name": t.name, "data_type": t.data_type, "dims": list(t.dims),
            "values": numpy_helper.to_array(t).flatten().tolist()}


def attribute(a):
    value = helper.get_attribute_value(a)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    elif isinstance(value, list):
        value = [v.decode("utf-8") if isinstance(v, bytes) else v for v in value]
    elif isinstance(value, onnx.TensorProto):
        value = tensor(value)
    elif isinstance(value, onnx.GraphProto):
        value = describe_graph(value)
    return {"name": a.name, "type": a.type, "value": value}


def describe_graph(graph):
    return {
        "name": graph.name,
        "doc_string": graph.doc_string,
        "inputs": [{"name": v.name, "elem_type": v.type.tensor_type.elem_type, "dims": dims(v)} for v in graph.input],
        "outputs": [{"name": v.name, "elem_type": v.type.tensor_type.elem_type, "dims": dims(v)} for v in graph.output],
        "initializers": [tensor(t) for t in graph.initializer],
        "nodes": [{"op_type": n.op_type, "name": n.name, "inputs": list(n.input), "outputs": list(n.output),
                   "attributes": [attribute(a) for a in n.attribute]} for n in graph.node],
    }


model = onnx.load(sys.argv[1])
if "--parse-only" not in sys.argv[2:]:
    onnx.checker.check_model(model, full_check=True)
graph = model.graph
print(json.dumps({
    "ir_version": model.ir_version,
    "opsets": [{"domain": o.domain, "version": o.version} for o in model.opset_import],
    "producer_name": model.producer_name,
    "producer_version": model.producer_version,
    "model_version": model.model_version,
    "doc_string": model.doc_string,
    "metadata": [[p.key, p.value] for p in model.metadata_props],
    "graph": describe_graph(graph),
}))
