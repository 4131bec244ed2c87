/**
 * The Wide & Deep ranking model as the trainer ships it and the edge serves it (Cheng et al. 2016):
 * score = σ(wide · x + b + mlp(x)), the MLP's hidden layers with ReLU, its last layer one output.
 * Inputs are the RANKING_FEATURES as written (the trainer folds its input standardisation into
 * the first layer and the wide weights), so the ONNX graph is Gemm / Relu / Add / Sigmoid only.
 */
import { rankingGraphOnnx, type OnnxInitializer, type OnnxNode } from './onnx-writer.js';
import { RANKING_INPUT, RANKING_OUTPUT } from './recommend-core.js';

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** inputs × outputs, row-major (y = x · W + b). */
  weights: number[];
  bias: number[];
}

export interface WideAndDeepModel {
  /** Linear part over the features. */
  wide: number[];
  bias: number;
  /** Deep part: ReLU after every layer but the last, whose `outputs` is 1. */
  layers: DenseLayer[];
}

/** Throws unless the layers chain from the features to one output. */
export function checkWideAndDeep(m: WideAndDeepModel): void {
  let width = m.wide.length;
  m.layers.forEach((l, i) => {
    if (l.inputs !== width) throw new Error(`layer ${i} takes ${l.inputs} inputs, previous gives ${width}`);
    if (l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) throw new Error(`layer ${i}: ${l.weights.length} weights / ${l.bias.length} biases for ${l.inputs}×${l.outputs}`);
    width = l.outputs;
  });
  if (!m.layers.length || width !== 1) throw new Error(`the deep part must end in one output (ends in ${width})`);
}

/** Logits (before σ) of rows [0, n) of x (n × wide.length, row-major). */
export function wideAndDeepLogits(m: WideAndDeepModel, x: Float32Array, n: number): Float64Array {
  const f = m.wide.length;
  const out = new Float64Array(n);
  const widest = Math.max(f, ...m.layers.map((l) => l.outputs));
  let a = new Float64Array(widest);
  let b = new Float64Array(widest);
  for (let r = 0; r < n; r++) {
    let z = m.bias;
    for (let k = 0; k < f; k++) {
      a[k] = x[r * f + k]!;
      z += m.wide[k]! * a[k]!;
    }
    m.layers.forEach((l, li) => {
      const last = li === m.layers.length - 1;
      for (let j = 0; j < l.outputs; j++) {
        let s = l.bias[j]!;
        for (let k = 0; k < l.inputs; k++) s += a[k]! * l.weights[k * l.outputs + j]!;
        b[j] = last || s > 0 ? s : 0;
      }
      [a, b] = [b, a];
    });
    out[r] = z + a[0]!;
  }
  return out;
}

/** Scores σ(logit) of rows [0, n): what the ONNX graph computes (in float64 here, float32 there). */
export function wideAndDeepScores(m: WideAndDeepModel, x: Float32Array, n: number): Float32Array {
  return Float32Array.from(wideAndDeepLogits(m, x, n), (z) => 1 / (1 + Math.exp(-z)));
}

/** ONNX bytes: input `features` [N, F] float32, output `score` [N, 1] — the same signature as the linear ranker. */
export function wideAndDeepOnnx(m: WideAndDeepModel, docString = 'vidplat wide & deep ranking model'): Uint8Array {
  checkWideAndDeep(m);
  const f = m.wide.length;
  const nodes: OnnxNode[] = [{ op: 'Gemm', inputs: [RANKING_INPUT, 'wide_W', 'wide_B'], outputs: ['wide'] }];
  const inits: OnnxInitializer[] = [
    { name: 'wide_W', dims: [f, 1], values: Float32Array.from(m.wide) },
    { name: 'wide_B', dims: [1], values: Float32Array.from([m.bias]) },
  ];
  let h: string = RANKING_INPUT;
  m.layers.forEach((l, i) => {
    const last = i === m.layers.length - 1;
    inits.push({ name: `deep${i}_W`, dims: [l.inputs, l.outputs], values: Float32Array.from(l.weights) }, { name: `deep${i}_B`, dims: [l.outputs], values: Float32Array.from(l.bias) });
    nodes.push({ op: 'Gemm', inputs: [h, `deep${i}_W`, `deep${i}_B`], outputs: [last ? 'deep' : `deep${i}_z`] });
    if (!last) {
      h = `deep${i}_h`;
      nodes.push({ op: 'Relu', inputs: [`deep${i}_z`], outputs: [h] });
    }
  });
  nodes.push({ op: 'Add', inputs: ['wide', 'deep'], outputs: ['logit'] }, { op: 'Sigmoid', inputs: ['logit'], outputs: [RANKING_OUTPUT] });
  return rankingGraphOnnx(f, nodes, inits, docString);
}
