#!/usr/bin/env node
// Builds the connector into build/%%snake%%.wasm. For the target wasm32-wasip2,
// cargo emits a WebAssembly component directly from a cdylib: no other tool is
// needed. CARGO_TARGET_DIR is honoured (CI caches point it outside the project).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'wasm32-wasip2';

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw new Error(`cannot start ${cmd}: ${result.error.message}; install Rust with rustup (https://rustup.rs)`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// rustup adds the target once; a Rust without rustup must have it already.
const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
if (!installed.error && installed.status === 0 && !installed.stdout.split('\n').includes(TARGET)) run('rustup', ['target', 'add', TARGET]);

run('cargo', ['build', '--release', '--target', TARGET]);
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');
const output = join(root, 'build', '%%snake%%.wasm');
mkdirSync(dirname(output), { recursive: true });
copyFileSync(join(targetDir, TARGET, 'release', '%%snake%%.wasm'), output);
console.log(`built build/%%snake%%.wasm (${(statSync(output).size / 1e3).toFixed(1)} KB)`);
