/**
 * onnxruntime-web inside workerd: WebAssembly.instantiate is taught to use the precompiled module
 * when the runtime asks for it with bytes. One thread, no proxy worker: neither exists in a Worker.
 */
import * as ort from 'onnxruntime-web/wasm';

let configured: WebAssembly.Module | null = null;

export function onnxRuntime(wasm: WebAssembly.Module): typeof ort {
  if (configured) return ort;
  configured = wasm;
  const original = WebAssembly.instantiate.bind(WebAssembly);
  (WebAssembly as { instantiate: unknown }).instantiate = async (src: unknown, imports?: WebAssembly.Imports) => {
    if (src instanceof WebAssembly.Module) return original(src, imports);
    // Asked with bytes (our placeholder): answer as instantiate(bytes) would, from the static module.
    const instance = await original(wasm, imports);
    return { instance, module: wasm };
  };
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // Any bytes will do: they only make the loader skip fetching the .wasm by URL.
  ort.env.wasm.wasmBinary = new Uint8Array([0]).buffer;
  ort.env.logLevel = 'error';
  return ort;
}
