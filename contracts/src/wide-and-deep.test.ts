import { describe, expect, it } from 'vitest';
import { checkWideAndDeep, wideAndDeepLogits, wideAndDeepOnnx, wideAndDeepScores, type WideAndDeepModel } from './wide-and-deep.js';

// 2 features → 2 hidden (ReLU) → 1.
const m: WideAndDeepModel = {
  wide: [0.5, -1],
  bias: 0.25,
  layers: [
    { inputs: 2, outputs: 2, weights: [1, -1, 2, 1], bias: [0, -0.5] },
    { inputs: 2, outputs: 1, weights: [3, -2], bias: [0.1] },
  ],
};

describe('Wide & Deep forward pass', () => {
  it('computes wide·x + b + mlp(x) with ReLU between layers (hand-computed)', () => {
    // x = (1, 2): wide 0.5 − 2 + 0.25 = −1.25; hidden (1+4, −1+2−0.5) = (5, 0.5); out 15 − 1 + 0.1 = 14.1.
    // x = (0, 1): wide −1 + 0.25 = −0.75; hidden (2, 1−0.5) = (2, 0.5); out 6 − 1 + 0.1 = 5.1.
    // x = (1, 0): wide 0.75; hidden (1, −1.5 → 0); out 3.1.
    const x = Float32Array.from([1, 2, 0, 1, 1, 0]);
    const z = wideAndDeepLogits(m, x, 3);
    expect(Array.from(z)).toEqual([-1.25 + 14.1, -0.75 + 5.1, 0.75 + 3.1].map((v) => expect.closeTo(v, 10)));
    expect(wideAndDeepScores(m, x, 1)[0]).toBeCloseTo(1 / (1 + Math.exp(-12.85)), 6);
  });

  it('refuses layers that do not chain from the features to one output', () => {
    expect(() => checkWideAndDeep({ ...m, wide: [1, 2, 3] })).toThrow(/layer 0 takes 2 inputs, previous gives 3/);
    expect(() => checkWideAndDeep({ ...m, layers: [m.layers[0]!] })).toThrow(/one output/);
    expect(() => wideAndDeepOnnx({ ...m, layers: [{ ...m.layers[0]!, bias: [0] }, m.layers[1]!] })).toThrow(/2 weights|1 biases/);
  });
});
