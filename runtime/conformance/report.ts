// The result of a kit run: one entry per named case, in the order they ran.
import type { ConnectorKind } from '../host/index.js';

export type CaseStatus = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  /** Stable name, e.g. `consume-empty`; documented in docs/conformance.md. */
  name: string;
  title: string;
  status: CaseStatus;
  /** Why it failed or was skipped; for a pass, what was measured (may be empty). */
  reason: string;
  durationMs: number;
}

export interface ConformanceReport {
  component: string;
  /** Undefined when the component could not be loaded at all. */
  kind?: ConnectorKind;
  cases: CaseResult[];
  durationMs: number;
}

/** True only when no case failed (skipped cases do not apply to this component). */
export const reportPassed = (report: ConformanceReport): boolean => report.cases.every((c) => c.status !== 'fail');

export function countByStatus(report: ConformanceReport): Record<CaseStatus, number> {
  const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, skip: 0 };
  for (const c of report.cases) counts[c.status]++;
  return counts;
}
