/**
 * The runtime's .wasm, imported statically so wrangler hands it over compiled (Workers may not
 * compile WebAssembly from bytes at run time). Loaded lazily by model-registry.
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';

export default ortWasm;
