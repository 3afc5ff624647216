// The few WebAssembly JS API types the host uses. @types/node does not declare the
// WebAssembly namespace and the project does not include lib.dom, so we type the
// subset here instead of declaring a global.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: { imports(module: WasmModule): { module: string; name: string; kind: string }[] };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
