// The conformance kit (`iggy-connectors test`): checks a connector component
// against the contract in wit/ without an Iggy server. Other folders import from here.
export { runConformance, DEFAULT_CALL_TIMEOUT_MS } from './kit.js';
export type { KitOptions } from './kit.js';
export { INVALID_CONFIG } from './common-cases.js';
export type { LeakOptions } from './memory-case.js';
export { DEFAULT_LEAK } from './memory-case.js';
export { readConnectorConfig } from './config-file.js';
export { ConformanceConfigError, ConformanceHarnessError } from './errors.js';
export { reportPassed, countByStatus } from './report.js';
export type { CaseResult, CaseStatus, ConformanceReport } from './report.js';
export { formatReport, isReporterName, REPORTERS } from './reporters/index.js';
export type { ReporterName } from './reporters/index.js';
