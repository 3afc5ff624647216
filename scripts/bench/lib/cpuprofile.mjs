// Reads V8 .cpuprofile files (node --cpu-prof) and ranks where the time went: self
// time per function (file:function) and per file, as shares of the busy (non-idle) time.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './children.mjs';

const IDLE = new Set(['(idle)', '(program)']);

function place(frame) {
  let url = frame.url || '';
  if (url.startsWith('file://')) {
    try {
      url = relative(root, fileURLToPath(url));
    } catch {
      // Not a file path after all: keep the URL.
    }
  }
  // The transpiled guest sits under a content hash; its name says nothing more than "glue".
  if (url.includes('.cache/components/')) return `(jco glue) ${url.split('/').at(-1)}`;
  // Name the TypeScript source the reader will open; dist/ holds its compiled twin.
  if (url.startsWith('dist/')) url = url.slice('dist/'.length).replace(/\.js$/, '.ts');
  return url;
}

/** Coarse stages of the message path, by the file a function lives in (first match wins). */
const CATEGORIES = [
  ['batch kernels (runtime/kernels, WebAssembly)', (f) => f.startsWith('runtime/kernels/')],
  ['guest boundary (jco glue + wasm)', (f) => f.startsWith('(jco glue)') || f.startsWith('wasm://') || f.includes('preview2-shim') || f.startsWith('runtime/host/')],
  ['wire codec (runtime/iggy/codec)', (f) => f.startsWith('runtime/iggy/codec/')],
  ['iggy client + connection', (f) => f.startsWith('runtime/iggy/')],
  ['schema check (runtime/pipeline/schema)', (f) => f.startsWith('runtime/pipeline/schema/')],
  ['transforms (runtime/pipeline/transforms)', (f) => f.startsWith('runtime/pipeline/transforms/')],
  ['state store (runtime/state)', (f) => f.startsWith('runtime/state/')],
  ['pipeline loop', (f) => f.startsWith('runtime/pipeline/') || f.startsWith('runtime/supervisor/') || f.startsWith('runtime/batch/')],
  ['logging (pino)', (f) => f.includes('node_modules/pino') || f.startsWith('runtime/log/')],
  ['garbage collector', (f) => f === '(garbage collector)'],
  ['start-up (module loading, compile)', (f) => f.startsWith('node:internal/modules') || f.includes('cjs-module-lexer') || f === 'node:internal/bootstrap/realm' || f.startsWith('runtime/config/') || f.startsWith('runtime/cli/')],
  ['sockets, streams, timers (node core)', (f) => f.startsWith('node:net') || f.startsWith('node:internal/stream') || f.startsWith('node:stream') || f.startsWith('node:timers') || f.startsWith('node:internal/timers')],
  ['Buffer (node core)', (f) => f.startsWith('node:buffer') || f === 'node:internal/buffer'],
];

const SOCKETS = 'sockets, streams, timers (node core)';
const KERNELS = 'batch kernels (runtime/kernels, WebAssembly)';
const isSocketFrame = (f) => f.startsWith('node:net') || f.startsWith('node:internal/stream_base_commons') || f.startsWith('node:internal/streams') || f.startsWith('node:internal/timers') || f.startsWith('node:timers');

/**
 * The stage a sample belongs to: the first frame, leaf upwards, that is the project's
 * code or the guest (so Buffer calls made by the codec count as codec), or a socket
 * frame reached before any project frame. Samples with neither go by their leaf file.
 */
function stageOf(chain) {
  if (chain[0].file === '(garbage collector)') return 'garbage collector';
  // WebAssembly called by the host's batch kernels is theirs, not the guest's: its caller says so.
  if (chain[0].file.startsWith('wasm://')) {
    // (JS-to-wasm wrappers, which have no file, sit in between.)
    const caller = chain.find(({ file }) => file.startsWith('runtime/') || file.startsWith('(jco glue)'));
    if (caller && (caller.file.startsWith('runtime/kernels/') || caller.file.startsWith('runtime/pipeline/schema/') || caller.file.startsWith('runtime/pipeline/transforms/'))) {
      return KERNELS;
    }
  }
  for (const { file } of chain) {
    if (file.startsWith('runtime/') || file.startsWith('(jco glue)') || file.startsWith('wasm://') || file.includes('preview2-shim') || file.includes('node_modules/pino')) {
      return CATEGORIES.find(([, test]) => test(file))?.[0] ?? 'other';
    }
    if (isSocketFrame(file)) return SOCKETS;
  }
  return CATEGORIES.find(([, test]) => test(chain[0].file))?.[0] ?? 'other';
}

/** Self time per function, per file and per stage, sorted, with shares of busy time. */
export async function analyseProfile(path, top = 15) {
  const profile = JSON.parse(await readFile(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  // Steady state runs from the first to the last sample inside the batch codec (messages
  // flowing): loading and compiling the guest before it is start-up, reported apart, and the
  // idle polling and shutdown after it are left out.
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const inCodec = (id) => {
    for (let at = id; at !== undefined; at = parentOf.get(at)) if (byId.get(at).callFrame.url.includes('/iggy/codec/batch.')) return true;
    return false;
  };
  let from = profile.samples.findIndex(inCodec);
  let to = profile.samples.findLastIndex(inCodec);
  if (from < 0) [from, to] = [0, profile.samples.length - 1];
  let startupUs = 0;
  for (let i = 1; i <= from; i++) startupUs += deltas[i] ?? 0;
  for (let i = from; i <= to; i++) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const frameOf = (id) => {
    const node = byId.get(id);
    const name = node.callFrame.functionName || '(anonymous)';
    return { name, file: place(node.callFrame) || (name.startsWith('(') ? name : '(native)') };
  };
  const chainOf = (id) => {
    const chain = [];
    for (let at = id; at !== undefined; at = parentOf.get(at)) chain.push(frameOf(at));
    return chain;
  };
  const functions = new Map();
  const files = new Map();
  const categories = new Map();
  let busy = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const name = node.callFrame.functionName || '(anonymous)';
    total += us;
    if (IDLE.has(name)) continue;
    busy += us;
    const file = place(node.callFrame) || (name.startsWith('(') ? name : '(native)');
    const key = `${file}:${name}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    const category = stageOf(chainOf(id));
    categories.set(category, (categories.get(category) ?? 0) + us);
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, ms: us / 1000, share: busy ? us / busy : 0 }));
  // `total` covers the steady-state window (idle included): busy ÷ window is how much of the
  // wall time the thread computed rather than waited for I/O.
  return { path, startupMs: startupUs / 1000, busyMs: busy / 1000, windowMs: total / 1000, functions: rank(functions), files: rank(files), categories: rank(categories) };
}
