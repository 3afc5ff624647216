// runConformance: runs every case against one component and returns the report.
// Needs no Iggy server: the kit plays the host's part itself.
import type { ConnectorKind, Grants } from '../host/index.js';
import { CaseRunner } from './case-runner.js';
import { invalidConfigCase, loadCases, openCase, summaryCases } from './common-cases.js';
import { Harness } from './harness.js';
import { DEFAULT_LEAK, type LeakOptions } from './memory-case.js';
import type { ConformanceReport } from './report.js';
import { SINK_CASES, sinkCases } from './sink-cases.js';
import { SOURCE_CASES, sourceCases } from './source-cases.js';

export interface KitOptions {
  /** The component file under test. */
  path: string;
  /** Inferred from the exports when omitted. */
  kind?: ConnectorKind;
  /** The connector's config as JSON object text; `{}` when none. */
  config: string;
  callTimeoutMs: number;
  /** WASI grants the connector needs (e.g. a directory for a file sink); none by default. */
  grants?: Grants;
  leak?: Partial<LeakOptions>;
  cacheDir?: string;
}

export const DEFAULT_CALL_TIMEOUT_MS = 5000;

export async function runConformance(options: KitOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const leak: LeakOptions = { ...DEFAULT_LEAK, ...options.leak };
  const harness = new Harness({
    path: options.path,
    grants: { stdio: 'discard', ...options.grants },
    callTimeoutMs: options.callTimeoutMs,
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const runner = new CaseRunner();
  try {
    const load = await harness.load();
    const loaded = await loadCases(runner, harness, load, options.kind);
    const kind = harness.loaded?.kind;
    if (!loaded || !kind) {
      runner.skipAll([['guest-cases', 'open, calls and close']], 'not run: the component cannot be loaded');
      return { component: options.path, ...(kind ? { kind } : {}), cases: runner.results, durationMs: performance.now() - started };
    }
    const opened = await openCase(runner, harness, options.config);
    await invalidConfigCase(runner, harness);
    if (opened.status !== 'pass') {
      // Every later case needs an opened instance; one failure says it better than ten.
      runner.skipAll(kind === 'sink' ? SINK_CASES : SOURCE_CASES, 'not run: open with the given config failed (see case open)');
    } else if (kind === 'sink') {
      await sinkCases(runner, harness, options.config, leak);
    } else {
      await sourceCases(runner, harness, options.config, leak);
    }
    await summaryCases(runner, harness);
    return { component: options.path, kind, cases: runner.results, durationMs: performance.now() - started };
  } finally {
    await harness.close();
  }
}
