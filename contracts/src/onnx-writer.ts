/**
 * A minimal ONNX (protobuf) writer for the ranking models this platform trains, so the trainer
 * needs no Python: logistic regression (MatMul → Add → Sigmoid) over RANKING_FEATURES. Field
 * numbers follow onnx.proto (IR version 8, default opset 13).
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

/** ONNX bytes of score = sigmoid(features · w + b); input [N, F] float32, output [N, 1]. */
export function logisticRegressionOnnx(m: LogisticRegressionModel, docString = 'vidplat ranking model'): Uint8Array {
  const f = m.weights.length;
  const graph = new Pb()
    .msg(1, node('MatMul', [RANKING_INPUT, 'W'], ['logit0'], 'matmul'))
    .msg(1, node('Add', ['logit0', 'B'], ['logit'], 'add'))
    .msg(1, node('Sigmoid', ['logit'], [RANKING_OUTPUT], 'sigmoid'))
    .str(2, 'ranking')
    .msg(5, tensor('W', [f, 1], Float32Array.from(m.weights)))
    .msg(5, tensor('B', [1], Float32Array.from([m.bias])))
    .msg(11, valueInfo(RANKING_INPUT, ['N', f]))
    .msg(12, valueInfo(RANKING_OUTPUT, ['N', 1]));
  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'vidplat-trainer')
    .str(3, '1')
    .str(6, docString)
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .done();
}
