#!/usr/bin/env node
// `npm run bench`: builds what is missing, runs the benchmark suites (guest boundary, real connectors,
// sink and source end to end, latency, profiles) and writes bench/results.json,
// bench/results.md and bench/throughput.svg. Not a test: nothing here asserts.
// Options: --runs=3 --count=1000000 --only=boundary,sink,source,latency,profile,connectors,native,scale --connectors=postgres,http
//          --target=real|dev --ab-root=<checkout> --variants=<native suite rows> --boundary-ms=1000 --latency-seconds=15 --quick --skip-build --keep-profiles
//          --report-only (re-render bench/results.md and the chart from bench/results.json)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Modules that load dist/ are imported only after the build below.
const root = fileURLToPath(new URL('../../', import.meta.url));

const SUITES = ['boundary', 'sink', 'source', 'latency', 'profile', 'connectors', 'native', 'scale'];
const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    count: { type: 'string' },
    only: { type: 'string' },
    connectors: { type: 'string' },
    target: { type: 'string' },
    'ab-root': { type: 'string' },
    variants: { type: 'string' },
    'boundary-ms': { type: 'string' },
    'latency-seconds': { type: 'string' },
    'profile-count': { type: 'string' },
    quick: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'keep-profiles': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const options = {
  runs: Number(values.runs ?? (quick ? 1 : 3)),
  count: Number(values.count ?? (quick ? 200_000 : 1_000_000)),
  boundaryMs: Number(values['boundary-ms'] ?? (quick ? 300 : 1000)),
  latencySeconds: Number(values['latency-seconds'] ?? (quick ? 5 : 15)),
  profileCount: Number(values['profile-count'] ?? (quick ? 200_000 : 1_000_000)),
  only: values.only ? values.only.split(',') : SUITES,
  // The connectors suite's targets: postgres, http or both.
  connectors: values.connectors ? values.connectors.split(',') : ['postgres', 'http'],
};
if (options.connectors.some((c) => c !== 'postgres' && c !== 'http')) {
  console.error(`--connectors=${values.connectors}: expected some of postgres,http`);
  process.exit(2);
}
// The broker of the end-to-end suites: the real Iggy server where ../shared/iggy/ is present,
// else the dev broker (lib/children.mjs, brokerTarget); --target or BENCH_TARGET overrides.
if (values.target !== undefined) {
  if (values.target !== 'real' && values.target !== 'dev') {
    console.error(`--target=${values.target}: expected real (Apache Iggy from ../shared/iggy/) or dev (the project's dev broker)`);
    process.exit(2);
  }
  process.env.BENCH_TARGET = values.target;
}
// --ab-root: another checkout's build (before a change) that the native suite runs beside this one.
if (values['ab-root'] !== undefined) process.env.BENCH_AB_ROOT = values['ab-root'];
// --variants: only these rows of the native suite (their native and plain references run too).
if (values.variants !== undefined) process.env.BENCH_VARIANTS = values.variants;
const unknown = options.only.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  console.error(`--only: unknown suite(s) ${unknown.join(', ')}; expected some of ${SUITES.join(',')}`);
  process.exit(2);
}

const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const outDir = join(root, 'bench');

/** Writes the three outputs from a results object and prints the targets. */
async function writeOutputs(results, { quiet = false } = {}) {
  const { renderMarkdown, renderSvg, checkTargets } = await import('./lib/report.mjs');
  results.targets = checkTargets(results);
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), renderMarkdown(results));
  if (results.boundary) await writeFile(join(outDir, 'throughput.svg'), renderSvg(results.boundary));
  if (results.scale) await writeFile(join(outDir, 'scale.svg'), (await import('./suites/scale.mjs')).renderScaleSvg(results.scale));
  if (quiet) return;
  log(`wrote bench/results.json, bench/results.md${results.boundary ? ', bench/throughput.svg' : ''}`);
  for (const t of results.targets) log(`${t.ok ? 'met    ' : 'NOT met'} ${t.what}: ${t.measured} (target ${t.target})${t.context ? `; ${t.context}` : ''}`);
}

if (values['report-only']) {
  const results = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8'));
  // Kept profiles are ranked again, so a change to the analysis shows without a new run.
  const { analyseProfile } = await import('./lib/cpuprofile.mjs');
  for (const p of results.profiles ?? []) {
    for (const [i, t] of p.threads.entries()) if (t.file && existsSync(t.file)) p.threads[i] = { thread: t.thread, file: t.file, ...(await analyseProfile(t.file)) };
  }
  await writeOutputs(results);
  process.exit(0);
}

function build() {
  log('build: npx tsc -p tsconfig.json');
  // tsc still emits when a file elsewhere has a type error; what the bench needs is checked below.
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (tsc.status !== 0) log(`build: tsc reported errors (continuing, dist/ was emitted):\n${tsc.stdout.split('\n').slice(0, 10).join('\n')}`);
  log('build: node scripts/build-guests.mjs --only=js,rust');
  const guests = spawnSync(process.execPath, [join(root, 'scripts/build-guests.mjs'), '--only=js,rust'], { cwd: root, stdio: 'inherit' });
  if (guests.status !== 0) {
    console.error('building the guests failed: run `node scripts/build-guests.mjs --only=js,rust` and fix what it reports');
    process.exit(1);
  }
}

if (!values['skip-build']) build();
if (!existsSync(join(root, 'dist/runtime/errors.js'))) {
  console.error('dist/ is missing: run `npx tsc -p tsconfig.json` (or drop --skip-build)');
  process.exit(1);
}
const { BenchRunError } = await import('./lib/errors.mjs');
const { brokerTarget, IGGY_HOME } = await import('./lib/children.mjs');
const target = brokerTarget();
log(`broker: ${target === 'real' ? `the real Apache Iggy server (${IGGY_HOME})` : "the project's dev broker"}; --target=${target === 'real' ? 'dev' : 'real'} for the other`);
const { GUESTS, OPTIONAL_GUESTS } = await import('./lib/configs.mjs');
const requiredGuests = Object.entries(GUESTS).filter(([name]) => !OPTIONAL_GUESTS.has(name)).map(([, path]) => path);
for (const needed of [join(root, 'dist/runtime/cli/main.js'), join(root, 'dist/scripts/bench/iggy-roles.js'), ...requiredGuests]) {
  if (!existsSync(needed)) throw new BenchRunError(`${needed} is missing: run \`npx tsc -p tsconfig.json\` and \`node scripts/build-guests.mjs\` (or drop --skip-build)`);
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

// A partial run (--only) keeps the other suites of the last results.json: every suite carries
// its own baselines, and meta.suites says when each one was measured.
const previousPath = join(outDir, 'results.json');
const previous = options.only.length < SUITES.length && existsSync(previousPath) ? JSON.parse(await readFile(previousPath, 'utf8')) : {};
const results = {
  ...previous,
  meta: {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: cpus().length,
    loadAverage: loadavg(),
    commit,
    runs: options.runs,
    options,
    suites: { ...(previous.meta?.suites ?? {}) },
  },
};
const measured = (suite) => {
  // The native suite always runs on the real server, whatever the others use.
  results.meta.suites[suite] = { date: new Date().toISOString(), commit, runs: options.runs, loadAverage: loadavg(), target: suite === 'native' ? 'real' : suite === 'boundary' ? 'none' : target };
};
const scratch = await mkdtemp(join(tmpdir(), 'iggy-bench-'));
await mkdir(outDir, { recursive: true });

/** Keeps the profiles of the run in bench/results-profiles/, or forgets their scratch paths. */
async function keepProfiles(profiles) {
  if (!values['keep-profiles']) {
    // The scratch folder goes away at the end; do not point at files that will not exist.
    for (const p of profiles) for (const t of p.threads) delete t.file;
    return;
  }
  const kept = join(outDir, 'results-profiles');
  await rm(kept, { recursive: true, force: true });
  for (const p of profiles) {
    await mkdir(join(kept, p.name), { recursive: true });
    for (const t of p.threads) {
      const target = join(kept, p.name, `${t.thread.replace(' ', '-')}.cpuprofile`);
      await cp(t.file, target);
      t.file = target;
    }
  }
  log(`profiles kept in ${kept} (open them in Chrome DevTools, Performance tab)`);
}

// Each suite loads its module lazily (the boundary suite imports dist/ at load time). A failing
// suite (on a shared machine, another build may break dist/ mid-run) is recorded and the others
// still run; the outputs are written after every suite, so a killed run keeps what it measured.
const suites = {
  boundary: async () => (await import('./suites/boundary.mjs')).runBoundarySuite({ runs: options.runs, ms: options.boundaryMs, log }),
  sink: async () => (await import('./suites/sink.mjs')).runSinkSuite({ runs: options.runs, count: options.count, scratch, log }),
  source: async () => (await import('./suites/source.mjs')).runSourceSuite({ runs: options.runs, count: options.count, scratch, log }),
  connectors: async () => (await import('./suites/connectors.mjs')).runConnectorsSuite({ runs: options.runs, count: options.count, targets: options.connectors, scratch, log }),
  native: async () => (await import('./suites/native.mjs')).runNativeSuite({ runs: options.runs, count: options.count, scratch, log }),
  scale: async () => (await import('./suites/scale.mjs')).runScaleSuite({ runs: Math.min(options.runs, 2), count: Math.round(options.count / 4), scratch, log }),
  latency: async () => (await import('./suites/latency.mjs')).runLatencySuite({ runs: options.runs, rate: 10_000, seconds: options.latencySeconds, warmupSeconds: 2, scratch, log }),
  profile: async () => {
    const profiles = await (await import('./suites/profile.mjs')).runProfileSuite({ count: options.profileCount, scratch, log });
    await keepProfiles(profiles);
    return profiles;
  },
};
const KEYS = { boundary: 'boundary', sink: 'sink', source: 'source', latency: 'latency', profile: 'profiles', connectors: 'connectors', native: 'native', scale: 'scale' };
const failed = [];
try {
  for (const name of SUITES.filter((s) => options.only.includes(s))) {
    try {
      results[KEYS[name]] = await suites[name]();
      measured(name);
    } catch (error) {
      failed.push(name);
      log(`suite ${name} failed: ${error.message}`);
      results.meta.suites[name] = { date: new Date().toISOString(), commit, error: `${error.code ?? error.name}: ${error.message}`.slice(0, 2000) };
    }
    await writeOutputs(results, { quiet: true });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

await writeOutputs(results);
if (failed.length > 0) {
  log(`failed suites: ${failed.join(', ')} (their previous figures, if any, are kept in the outputs)`);
  process.exitCode = 1;
}
