/**
 * Wide & Deep ranker trained with TensorFlow.js's pure-JavaScript CPU backend (no native addon):
 * the same pairwise objective as the linear ranker (−ln σ(f(x⁺) − f(x⁻)) for a positive and a
 * negative of the same user), f = wide · x + mlp(x). Inputs are standardised for training and the
 * standardisation is folded into the exported weights, so the served graph reads raw features.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// For its side effect: tfjs-layers' Node bundle registers the ops' gradients, which tfjs-core's own
// Node bundle lacks (its register_all_gradients is ESM-only with extensionless imports Node cannot
// load). The graph itself is tfjs-core ops: Dense layers' per-call overhead doubled a step's time.
import '@tensorflow/tfjs-layers';
import { wideAndDeepLogits, type DenseLayer, type WideAndDeepModel } from '@vidplat/contracts';
import { rng } from '../interactions.js';

// No "install tfjs-node" banner (the native binding is what we avoid), no debug checks.
tf.env().set('PROD', true);

export interface WideDeepOptions {
  /** Hidden layer widths (ReLU); the last layer has one output. */
  hidden?: readonly number[];
  epochs?: number;
  /** Pairs per step. */
  batchSize?: number;
  /** Upper bound on optimiser steps, whatever the data size (keeps eval and trainer runs bounded). */
  maxSteps?: number;
  learningRate?: number;
  /** L2 on every kernel (not biases). */
  l2?: number;
  seed?: number;
  /** Rows of raw features the trained TensorFlow.js model scores before it is released (to check the export against). */
  probe?: Float32Array;
}

/**
 * Defaults: 9→32→16→1, 30 epochs of 256-pair batches, at most 600 steps (~5 s on one idle core:
 * a step costs ~8 ms in the pure-JS backend, so large tenants see fewer epochs, not longer runs).
 */
export const WIDE_DEEP_DEFAULTS: Required<Omit<WideDeepOptions, 'probe'>> = { hidden: [32, 16], epochs: 30, batchSize: 256, maxSteps: 600, learningRate: 0.003, l2: 1e-5, seed: 7 };

/** The trained parameters in the trainer's (standardised) input space. */
export interface RawWideDeep {
  mean: number[];
  std: number[];
  wide: number[];
  layers: DenseLayer[];
}

export interface WideDeepTraining {
  /** As served: standardisation folded in, bias set so the mean score matches the base rate. */
  model: WideAndDeepModel;
  raw: RawWideDeep;
  steps: number;
  /** Mean pairwise loss per epoch. */
  losses: number[];
  seconds: number;
  /** The TensorFlow.js model's logits of `probe` rows (with the served bias), when asked. */
  probeLogits?: Float32Array;
}

/** He-normal initial weights (ReLU layers) from the seeded generator. */
function heNormal(rand: () => number, fanIn: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) out[i] = s * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

/**
 * Trains on rows x (rows × features, row-major) with labels y and groups (the user of each row):
 * each epoch, every positive with a negative in its group is paired with one such negative drawn
 * at random. Deterministic for a seed (seeded initialisation and sampling; the CPU kernels are).
 */
export function trainWideAndDeep(x: Float32Array, y: Uint8Array, groups: Int32Array, features: number, o: WideDeepOptions = {}): WideDeepTraining {
  const t0 = performance.now();
  const opt = { ...WIDE_DEEP_DEFAULTS, ...o };
  const n = y.length;
  const rand = rng(opt.seed);
  // Standardisation (a constant feature keeps σ = 1: it carries nothing and must not blow up).
  const mean = new Array<number>(features).fill(0);
  const std = new Array<number>(features).fill(0);
  for (let r = 0; r < n; r++) for (let k = 0; k < features; k++) mean[k]! += x[r * features + k]! / n;
  for (let r = 0; r < n; r++) for (let k = 0; k < features; k++) std[k]! += (x[r * features + k]! - mean[k]!) ** 2 / n;
  for (let k = 0; k < features; k++) std[k] = Math.sqrt(std[k]!) > 1e-6 ? Math.sqrt(std[k]!) : 1;
  const xs = new Float32Array(n * features);
  for (let r = 0; r < n; r++) for (let k = 0; k < features; k++) xs[r * features + k] = (x[r * features + k]! - mean[k]!) / std[k]!;

  // Pairs: each positive with the negatives of its group.
  const negs = new Map<number, number[]>();
  for (let r = 0; r < n; r++) if (!y[r]) (negs.get(groups[r]!) ?? negs.set(groups[r]!, []).get(groups[r]!)!).push(r);
  const positives: number[] = [];
  for (let r = 0; r < n; r++) if (y[r] && negs.has(groups[r]!)) positives.push(r);

  // f(x) = wide·x + mlp(x), without the output bias (it cancels in pairs; set after training).
  const widths = [features, ...opt.hidden, 1];
  const wide = tf.variable(tf.zeros<tf.Rank.R2>([features, 1]));
  const layers = widths.slice(1).map((out, i) => ({ w: tf.variable(tf.tensor2d(heNormal(rand, widths[i]!, widths[i]! * out), [widths[i]!, out])), b: tf.variable(tf.zeros<tf.Rank.R1>([out])) }));
  const score = (t: tf.Tensor2D): tf.Tensor2D => {
    let h = t;
    layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, l.w), l.b) as tf.Tensor2D;
      h = i < layers.length - 1 ? tf.relu(z) : z;
    });
    return tf.add(tf.matMul(t, wide), h);
  };
  const vars: tf.Variable[] = [wide, ...layers.flatMap((l) => [l.w, l.b])];
  const kernels: tf.Tensor[] = [wide, ...layers.map((l) => l.w)];
  const optimiser = tf.train.adam(opt.learningRate);
  const bs = Math.max(1, opt.batchSize);
  const xp = new Float32Array(bs * features);
  const xq = new Float32Array(bs * features);
  const losses: number[] = [];
  let steps = 0;
  try {
    for (let e = 0; e < opt.epochs && steps < opt.maxSteps && positives.length; e++) {
      for (let i = positives.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [positives[i], positives[j]] = [positives[j]!, positives[i]!];
      }
      let lossSum = 0;
      let batches = 0;
      for (let s = 0; s < positives.length && steps < opt.maxSteps; s += bs) {
        const m = Math.min(bs, positives.length - s);
        for (let i = 0; i < m; i++) {
          const pr = positives[s + i]!;
          const pool = negs.get(groups[pr]!)!;
          const q = pool[Math.floor(rand() * pool.length)]!;
          xp.set(xs.subarray(pr * features, (pr + 1) * features), i * features);
          xq.set(xs.subarray(q * features, (q + 1) * features), i * features);
        }
        const loss = tf.tidy(() => {
          const a = tf.tensor2d(xp.subarray(0, m * features), [m, features]);
          const b = tf.tensor2d(xq.subarray(0, m * features), [m, features]);
          return optimiser.minimize(() => {
            const pairLoss = tf.mean(tf.softplus(tf.neg(tf.sub(score(a), score(b)))));
            return tf.add(pairLoss, tf.mul(opt.l2, tf.addN(kernels.map((w) => tf.sum(tf.square(w)))))) as tf.Scalar;
          }, true, vars)!;
        });
        lossSum += loss.dataSync()[0]!;
        loss.dispose();
        batches++;
        steps++;
      }
      losses.push(batches ? lossSum / batches : 0);
    }
    const raw: RawWideDeep = {
      mean,
      std,
      wide: Array.from(wide.dataSync()),
      layers: layers.map((l, i) => ({ inputs: widths[i]!, outputs: widths[i + 1]!, weights: Array.from(l.w.dataSync()), bias: Array.from(l.b.dataSync()) })),
    };
    const model = fold(raw);
    // Bias: outputs sit around the base rate, as the linear ranker's (pairs never see it).
    const z = wideAndDeepLogits(model, x, n);
    let meanLogit = 0;
    for (let r = 0; r < n; r++) meanLogit += z[r]! / Math.max(1, n);
    const rate = Math.min(1 - 1e-6, Math.max(1e-6, y.reduce((s, v) => s + v, 0) / Math.max(1, n)));
    // The fold's bias makes the served graph equal f(standardised x); the calibration shifts both.
    const calibration = Math.log(rate / (1 - rate)) - meanLogit;
    model.bias += calibration;
    let probeLogits: Float32Array | undefined;
    if (o.probe) {
      const rows = Math.floor(o.probe.length / features);
      probeLogits = tf.tidy(() => {
        const p = tf.div(tf.sub(tf.tensor2d(o.probe!.subarray(0, rows * features), [rows, features]), tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor2D;
        return Float32Array.from(tf.add(score(p), calibration).dataSync());
      });
    }
    return { model, raw, steps, losses, seconds: (performance.now() - t0) / 1000, ...(probeLogits ? { probeLogits } : {}) };
  } finally {
    for (const v of vars) v.dispose();
    optimiser.dispose();
  }
}

/** The served model of raw parameters: (x − μ)/σ folded into the wide weights and the first layer. */
export function fold(raw: RawWideDeep): WideAndDeepModel {
  const f = raw.mean.length;
  let bias = 0;
  const wide = raw.wide.map((w, k) => {
    bias -= (w * raw.mean[k]!) / raw.std[k]!;
    return w / raw.std[k]!;
  });
  const layers = raw.layers.map((l) => ({ ...l, weights: [...l.weights], bias: [...l.bias] }));
  const first = layers[0]!;
  for (let k = 0; k < f; k++) {
    for (let j = 0; j < first.outputs; j++) {
      const w = raw.layers[0]!.weights[k * first.outputs + j]! / raw.std[k]!;
      first.weights[k * first.outputs + j] = w;
      first.bias[j]! -= w * raw.mean[k]!;
    }
  }
  return { wide, bias, layers };
}
