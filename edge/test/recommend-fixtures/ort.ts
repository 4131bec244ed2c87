import { useOrtWasmModule } from '../../src/ranking/model-registry.js';

/**
 * The test pool resolves a static .wasm import from node_modules to a path it cannot serve; a
 * symlink inside the project root, imported at run time, reaches the same compiled module.
 */
export async function loadOrtWasmForTests(): Promise<void> {
  const spec = './ort-wasm-simd-threaded.wasm';
  const m = (await import(/* @vite-ignore */ spec)) as { default: WebAssembly.Module };
  useOrtWasmModule(m.default);
}
