// The JUnit XML report CI systems render as a test tab: one testsuite per
// component, one testcase per case.
import { countByStatus, cutReason, type ConformanceReport } from '../report.js';

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return (
    text
      // XML 1.0 allows only these characters; the control characters outside them are dropped on purpose.
      // eslint-disable-next-line no-control-regex
      .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Kept as references: a parser would fold a raw newline in an attribute into a space.
      .replace(/\n/g, '&#10;')
      .replace(/\r/g, '&#13;')
  );
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

export function junitReport(report: ConformanceReport): string {
  const n = countByStatus(report);
  const suite = `iggy-connectors test ${report.component}`;
  const classname = `conformance.${report.kind ?? 'component'}`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="iggy-connectors conformance" tests="${report.cases.length}" failures="${n.fail}" skipped="${n.skip}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${report.cases.length}" failures="${n.fail}" errors="0" skipped="${n.skip}" time="${seconds(report.durationMs)}">`,
  ];
  for (const full of report.cases) {
    const c = { ...full, reason: cutReason(full.reason) };
    const open = `    <testcase name="${xmlEscape(`${c.name}: ${c.title}`)}" classname="${xmlEscape(classname)}" time="${seconds(c.durationMs)}"`;
    if (c.status === 'pass') {
      lines.push(c.reason ? `${open}>\n      <system-out>${xmlEscape(c.reason)}</system-out>\n    </testcase>` : `${open}/>`);
    } else if (c.status === 'skip') {
      lines.push(`${open}>\n      <skipped message="${xmlEscape(c.reason)}"/>\n    </testcase>`);
    } else {
      lines.push(`${open}>\n      <failure message="${xmlEscape(c.reason)}" type="${xmlEscape(c.name)}">${xmlEscape(c.reason)}</failure>\n    </testcase>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
