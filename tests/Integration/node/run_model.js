// Runs an ONNX model with onnxruntime-node, an independent path into ONNX Runtime, for the C# binding's tests.
// Usage: node run_model.js request.json   (NODE_PATH must include tools/onnxruntime/node_modules)
// request.json: { "model": path, "inputs": { name: { "type": "float32"|"int32"|"int64", "dims": [...], "data": [...] } } }
// Prints { name: { "type", "dims", "data" } } for every output. Single-threaded so results match the binding's.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const arrays = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array };

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(request.model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const [name, input] of Object.entries(request.inputs)) {
    const values = input.type === 'int64' ? input.data.map(BigInt) : input.data;
    feeds[name] = new ort.Tensor(input.type, arrays[input.type].from(values), input.dims);
  }
  const results = await session.run(feeds);
  const outputs = {};
  for (const [name, tensor] of Object.entries(results)) {
    outputs[name] = { type: tensor.type, dims: tensor.dims, data: Array.from(tensor.data, Number) };
  }
  process.stdout.write(JSON.stringify(outputs));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
