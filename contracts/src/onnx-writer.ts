/**
 * A minimal ONNX (protobuf) writer for the ranking models this platform trains, so the trainer
 * needs no Python: logistic regression (MatMul → Add → Sigmoid) and Wide & Deep (Gemm/Relu, see
 * wide-and-deep.ts) over RANKING_FEATURES. Field numbers follow onnx.proto (IR version 8, default
 * opset 13). Hand-written rather than a package: the graphs need five message types, and the npm
 * bindings (onnx-proto) bring protobufjs 6 and the whole generated onnx.proto into contracts, which
 * the edge Worker bundles.
 */
import { RANKING_INPUT, RANKING_OUTPUT } from './recommend-core.js';

class Pb {
  private parts: number[] = [];
  varint(v: number): this {
    let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const FLOAT = 1;

function tensor(name: string, dims: number[], values: Float32Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT).str(8, name);
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return t.bytes(9, raw);
}

/** ValueInfo of a float tensor; a string dim is symbolic (e.g. the batch size "N"). */
function valueInfo(name: string, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, FLOAT).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], name: string): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  return n.str(3, name).str(4, op);
}

export interface LogisticRegressionModel {
  weights: number[];
  bias: number;
}

/** A float initializer of an ONNX graph (row-major values). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** A node of an ONNX graph (no attributes: Gemm, MatMul, Add, Relu and Sigmoid with their defaults). */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
}

/**
 * ONNX bytes of a ranking graph: input RANKING_INPUT float [N, features], output RANKING_OUTPUT
 * float [N, 1], the given nodes in topological order and their float initializers.
 */
export function rankingGraphOnnx(features: number, nodes: readonly OnnxNode[], initializers: readonly OnnxInitializer[], docString: string): Uint8Array {
  const graph = new Pb();
  nodes.forEach((n, i) => graph.msg(1, node(n.op, n.inputs, n.outputs, `${n.op.toLowerCase()}_${i}`)));
  graph.str(2, 'ranking');
  for (const t of initializers) graph.msg(5, tensor(t.name, t.dims, t.values));
  graph.msg(11, valueInfo(RANKING_INPUT, ['N', features])).msg(12, valueInfo(RANKING_OUTPUT, ['N', 1]));
  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'vidplat-trainer')
    .str(3, '1')
    .str(6, docString)
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .done();
}

/** ONNX bytes of score = sigmoid(features · w + b); input [N, F] float32, output [N, 1]. */
export function logisticRegressionOnnx(m: LogisticRegressionModel, docString = 'vidplat ranking model'): Uint8Array {
  const f = m.weights.length;
  return rankingGraphOnnx(
    f,
    [
      { op: 'MatMul', inputs: [RANKING_INPUT, 'W'], outputs: ['logit0'] },
      { op: 'Add', inputs: ['logit0', 'B'], outputs: ['logit'] },
      { op: 'Sigmoid', inputs: ['logit'], outputs: [RANKING_OUTPUT] },
    ],
    [
      { name: 'W', dims: [f, 1], values: Float32Array.from(m.weights) },
      { name: 'B', dims: [1], values: Float32Array.from([m.bias]) },
    ],
    docString,
  );
}
