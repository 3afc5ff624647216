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

/** The longest reason a report carries: a guest's 32 MiB error string must not become a 268 MB report. */
export const MAX_REASON_CHARS = 2000;

/** `reason` cut to MAX_REASON_CHARS, with a note of its length. */
export function cutReason(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS)}… [cut: ${reason.length} characters in all]`;
}

/** True only when no case failed (skipped cases do not apply to this component). */
export const reportPassed = (report: ConformanceReport): boolean => report.cases.every((c) => c.status !== 'fail');

export function countByStatus(report: ConformanceReport): Record<CaseStatus, number> {
  const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, skip: 0 };
  for (const c of report.cases) counts[c.status]++;
  return counts;
}
