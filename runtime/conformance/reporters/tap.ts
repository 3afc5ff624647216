// The TAP 13 report: one test point per case, failure reasons in a YAML block.
import { cutReason, type ConformanceReport } from '../report.js';

/** A YAML double-quoted scalar; JSON string syntax is a subset of it. */
const yamlString = (text: string): string => JSON.stringify(text);

/** TAP descriptions end at `#`, which starts a directive. */
const description = (text: string): string => text.replaceAll('#', '\\#');

export function tapReport(report: ConformanceReport): string {
  const lines = ['TAP version 13', `# ${report.component}${report.kind ? ` (${report.kind})` : ''}`, `1..${report.cases.length}`];
  report.cases.forEach((full, i) => {
    const c = { ...full, reason: cutReason(full.reason) };
    const point = `${i + 1} - ${c.name}: ${description(c.title)}`;
    if (c.status === 'skip') {
      lines.push(`ok ${point} # SKIP ${description(c.reason)}`);
      return;
    }
    lines.push(`${c.status === 'pass' ? 'ok' : 'not ok'} ${point}`);
    lines.push('  ---');
    if (c.reason) lines.push(`  ${c.status === 'fail' ? 'message' : 'measured'}: ${yamlString(c.reason)}`);
    lines.push(`  duration_ms: ${c.durationMs.toFixed(1)}`);
    lines.push('  ...');
  });
  return `${lines.join('\n')}\n`;
}
