// Picks a reporter by name.
import type { ConformanceReport } from '../report.js';
import { junitReport } from './junit.js';
import { specReport } from './spec.js';
import { tapReport } from './tap.js';

export const REPORTERS = { spec: specReport, tap: tapReport, junit: junitReport } as const;
export type ReporterName = keyof typeof REPORTERS;

export const isReporterName = (name: string): name is ReporterName => Object.hasOwn(REPORTERS, name);

export const formatReport = (report: ConformanceReport, reporter: ReporterName): string => REPORTERS[reporter](report);
