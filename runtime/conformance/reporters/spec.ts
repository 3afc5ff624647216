// The human-readable report: one line per case with its reason, then a tally.
import { countByStatus, cutReason, type ConformanceReport } from '../report.js';

const MARK = { pass: '✔', fail: '✖', skip: '-' } as const;

export function specReport(report: ConformanceReport): string {
  const lines = [`${report.component}${report.kind ? ` (${report.kind})` : ''}`];
  for (const full of report.cases) {
    const c = { ...full, reason: cutReason(full.reason) };
    const head = `  ${MARK[c.status]} ${c.name}: ${c.title}`;
    if (c.status === 'skip') lines.push(`${head} (skipped: ${c.reason})`);
    else if (c.status === 'pass') lines.push(`${head} (${c.durationMs.toFixed(0)} ms)${c.reason ? ` - ${c.reason}` : ''}`);
    else lines.push(`${head} (${c.durationMs.toFixed(0)} ms)`, `      ${c.reason}`);
  }
  const n = countByStatus(report);
  lines.push('', `${n.pass} passed, ${n.fail} failed, ${n.skip} skipped in ${(report.durationMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
