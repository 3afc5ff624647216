// Paths and small helpers the conformance tests share.
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import type { CaseResult, ConformanceReport } from '../../runtime/conformance/index.js';

export function brokenPath(name: string): string {
  return join(ROOT, 'test', 'fixtures', 'broken', name, `${name.replace(/-/g, '_')}.wasm`);
}

export const failed = (report: ConformanceReport): CaseResult[] => report.cases.filter((c) => c.status === 'fail');

export function caseOf(report: ConformanceReport, name: string): CaseResult {
  const c = report.cases.find((x) => x.name === name);
  if (!c) throw new Error(`report of ${report.component} has no case "${name}"; it has ${report.cases.map((x) => x.name).join(', ')}`);
  return c;
}

/** A readable summary for assertion messages: which case said what. */
export const summary = (report: ConformanceReport): string => report.cases.map((c) => `${c.status} ${c.name}${c.reason ? `: ${c.reason}` : ''}`).join('\n');
