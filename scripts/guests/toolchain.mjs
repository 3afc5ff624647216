// Shared helpers of the guest builders: run a tool and show it,
// install a missing toolchain piece (rustup target, cargo tool, crate source),
// and the input hashes and stamps that make builds incremental.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const witDir = join(root, 'wit');
export const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
const cargoBin = join(cargoHome, 'bin');

export const snakeName = (kebab) => kebab.replaceAll('-', '_');
export const log = (line) => console.log(`  ${line}`);

/** PATH with cargo's bin first, so tools installed by `cargo install` are found. */
export function toolEnv(extra = {}) {
  const path = [cargoBin, process.env.PATH ?? ''].join(':');
  return { ...process.env, PATH: path, ...extra };
}

/**
 * Runs a command, printing it first; output goes to this process's stdout/stderr
 * unless `capture` is set, then stdout is returned. Rejects with the exit code.
 */
export function run(cmd, args, { cwd = root, env = toolEnv(), capture = false, quiet = false } = {}) {
  if (!quiet) log(`$ ${[cmd, ...args].join(' ')}${cwd === root ? '' : `   (in ${relative(root, cwd) || '.'})`}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new Error(`cannot start ${cmd}: ${e.message}; is it installed and on PATH?`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}${err ? `:\n${err.trim()}` : ''}`));
    });
  });
}

/**
 * Built components are also kept by input hash in a cache outside the work tree
 * (IGGY_CONNECTORS_CACHE, default ~/.cache/iggy-connectors), so a fresh clone of the
 * same sources, as CI makes, reuses them instead of rebuilding.
 */
export const cacheRoot = process.env.IGGY_CONNECTORS_CACHE ?? join(homedir(), '.cache', 'iggy-connectors');

/** Where tool installs write their output (one progress line each goes to the console). */
export const installLog = join(cacheRoot, 'setup.log');

/** Runs a command with its output appended to `installLog`; on failure the error carries the log's tail. */
export async function runLogged(cmd, args, { cwd = root, env = toolEnv() } = {}) {
  mkdirSync(dirname(installLog), { recursive: true });
  const fd = openSync(installLog, 'a');
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
      child.on('error', (e) => reject(new Error(`cannot start ${cmd}: ${e.message}; is it installed and on PATH?`)));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; see ${installLog}`))));
    });
  } catch (error) {
    const tail = (await readFile(installLog, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
    throw new Error(`${error.message}\n${tail}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/** The stdout of a command, or undefined when it cannot run or fails. */
export async function probe(cmd, args, options = {}) {
  try {
    return await run(cmd, args, { ...options, capture: true, quiet: true });
  } catch {
    return undefined;
  }
}

export async function ensureRustTarget(target) {
  const installed = await probe('rustup', ['target', 'list', '--installed']);
  if (installed === undefined) throw new Error('rustup not found: install Rust with rustup (https://rustup.rs) first');
  if (installed.split('\n').includes(target)) return;
  await run('rustup', ['target', 'add', target]);
}

/**
 * `cargo install --locked` of an exact version, unless `bin --version` already reports it.
 * `features` narrows the build to what the builders use (a fraction of the default features'
 * build time on a fresh machine); such a build goes to its own root in the build cache, named
 * by its features, so a narrower build is never mistaken for a full one or the other way round.
 */
export async function ensureCargoTool({ crate, version, bin, features }) {
  const installRoot = features ? join(cacheRoot, 'tools', `${crate}-${version}-${features.join('+')}`) : undefined;
  const path = installRoot ? join(installRoot, 'bin', bin) : join(cargoBin, bin);
  const reported = existsSync(path) ? await probe(path, ['--version']) : undefined;
  if (reported?.includes(version)) return path;
  log(`${bin} ${version} missing (found: ${reported?.trim() ?? 'none'}); installing, this takes a few minutes (log: ${installLog})`);
  const started = Date.now();
  const extra = installRoot ? ['--no-default-features', '--features', features.join(','), '--root', installRoot] : [];
  await runLogged('cargo', ['install', '--locked', crate, '--version', version, ...extra]);
  log(`${bin} ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return path;
}

async function findCrateSource(crate, version) {
  const registry = join(cargoHome, 'registry', 'src');
  if (!existsSync(registry)) return undefined;
  for (const index of await readdir(registry)) {
    const dir = join(registry, index, `${crate}-${version}`);
    if (existsSync(join(dir, 'Cargo.toml'))) return dir;
  }
  return undefined;
}

/**
 * The unpacked source of a published crate in cargo's registry cache; when it
 * is not there yet, a throw-away project depending on it is `cargo fetch`ed.
 */
export async function crateSource(crate, version) {
  const found = await findCrateSource(crate, version);
  if (found) return found;
  const dir = await mkdtemp(join(tmpdir(), 'iggy-crate-fetch-'));
  try {
    await writeFile(
      join(dir, 'Cargo.toml'),
      `[package]\nname = "fetch-only"\nversion = "0.0.0"\nedition = "2021"\n\n[lib]\npath = "lib.rs"\n\n[dependencies]\n${crate} = "=${version}"\n`,
    );
    await writeFile(join(dir, 'lib.rs'), '');
    await run('cargo', ['fetch'], { cwd: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fetched = await findCrateSource(crate, version);
  if (!fetched) throw new Error(`cargo fetch did not unpack ${crate} ${version} under ${join(cargoHome, 'registry', 'src')}`);
  return fetched;
}

/** Files under `dir` (sorted, recursive) passing `filter`, skipping build output folders. */
export async function listFiles(dir, filter = () => true) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath ?? entry.path, entry.name);
    if (!entry.isFile() || /\/(target|bindings|\.cache)\//.test(`/${relative(dir, full)}`)) continue;
    if (filter(full)) out.push(full);
  }
  return out.sort();
}

/** SHA-256 over `labels` (tool versions) and the path + contents of every file. */
export async function hashInputs(files, labels = []) {
  const hash = createHash('sha256');
  for (const label of labels) hash.update(`${label}\0`);
  for (const file of [...new Set(files)].sort()) {
    hash
      .update(relative(root, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex');
}

const cachedArtifact = (output, hash) => join(cacheRoot, 'guests', `${hash}-${basename(output)}`);

/** True when `output` is up to date: its `.stamp` holds `hash`, or the cache had it (then it is restored). */
export async function isFresh(output, hash) {
  const stamp = `${output}.stamp`;
  if (existsSync(output) && existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === hash) return true;
  const cached = cachedArtifact(output, hash);
  if (!existsSync(cached)) return false;
  await copyFile(cached, output);
  await writeFile(stamp, `${hash}\n`);
  return true;
}

/** Records a fresh build: the stamp beside `output` and a copy in the cache. */
export async function markBuilt(output, hash) {
  await writeFile(`${output}.stamp`, `${hash}\n`);
  await mkdir(join(cacheRoot, 'guests'), { recursive: true });
  const cached = cachedArtifact(output, hash);
  await copyFile(output, `${cached}.tmp`);
  await rename(`${cached}.tmp`, cached);
}

export const sizeText = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} KB`);
