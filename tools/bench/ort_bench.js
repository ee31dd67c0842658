#!/usr/bin/env node
// Times ONNX Runtime's bare forward pass on a model and an .npy input: the
// reference for what this CPU can do. Prints one JSON object (seconds).
//
// onnxruntime-node is not a dependency of camviz; scripts/bench.sh installs
// it outside the tree (npm install onnxruntime-node --ignore-scripts: its
// CPU library ships inside the package).
//   node tools/bench/ort_bench.js --model M.onnx --input X.npy [--runs 5] [--threads 2] [--ort DIR] [--batch N]
// With --batch N (N > 1) it also times a batch of N copies of the input
// (the model's batch axis must be symbolic: scripts/bench.sh makes such a
// copy) and reports images per second.
'use strict';
const fs = require('fs');
const path = require('path');

function args(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error('unexpected argument ' + argv[i]);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  return a;
}

// readNpy reads a little-endian float32 C-order .npy file.
function readNpy(file) {
  const b = fs.readFileSync(file);
  const hlen = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + hlen);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(file + ': want a float32 C-order .npy');
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const off = 10 + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
  return { shape, data };
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const a = args(process.argv.slice(2));
  const ortDir = a.ort || process.env.ORT_DIR || '/tmp/ort';
  const ort = require(require.resolve('onnxruntime-node', { paths: [ortDir, process.cwd()] }));
  const threads = Number(a.threads || 2), runs = Number(a.runs || 5);
  const t0 = process.hrtime.bigint();
  const sess = await ort.InferenceSession.create(a.model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const x = readNpy(a.input);
  const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  await sess.run(feeds); // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await sess.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const out = {};
  const batch = Number(a.batch || 1);
  if (batch > 1) {
    const shape = [batch, ...x.shape.slice(1)];
    const data = new Float32Array(batch * x.data.length);
    for (let i = 0; i < batch; i++) data.set(x.data, i * x.data.length);
    const bfeeds = { [sess.inputNames[0]]: new ort.Tensor('float32', data, shape) };
    await sess.run(bfeeds); // warm-up
    const bt = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      await sess.run(bfeeds);
      bt.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    Object.assign(out, { batch, batch_forward_s: median(bt), batch_images_per_s: batch / median(bt) });
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('onnxruntime-node/package.json',
    { paths: [ortDir, process.cwd()] })), 'package.json')));
  console.log(JSON.stringify({
    ort_version: pkg.version, threads, runs, load_s: loadS,
    forward_s: median(times), forward_min_s: Math.min(...times), forward_max_s: Math.max(...times),
    images_per_s: 1 / median(times), ...out,
  }));
}

main().catch(e => { console.error('ort_bench: ' + String(e.message || e).split('\n')[0]); process.exit(1); });
