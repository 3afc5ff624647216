// Runs named cases one after the other and collects their results; a case body
// answers pass/fail/skip with a reason, and a kit error inside it fails the case.
import { cutReason, type CaseResult, type CaseStatus } from './report.js';

export interface Verdict {
  status: CaseStatus;
  reason: string;
}

export const pass = (reason = ''): Verdict => ({ status: 'pass', reason });
export const fail = (reason: string): Verdict => ({ status: 'fail', reason });
export const skip = (reason: string): Verdict => ({ status: 'skip', reason });

export class CaseRunner {
  readonly results: CaseResult[] = [];

  async run(name: string, title: string, body: () => Promise<Verdict> | Verdict): Promise<Verdict> {
    const started = performance.now();
    let verdict: Verdict;
    try {
      verdict = await body();
    } catch (error) {
      verdict = fail(`the kit could not run this case: ${error instanceof Error ? error.message : String(error)}`);
    }
    verdict = { status: verdict.status, reason: cutReason(verdict.reason) };
    this.results.push({ name, title, ...verdict, durationMs: performance.now() - started });
    return verdict;
  }

  /** Records cases that cannot run, e.g. because the component did not load. */
  skipAll(cases: readonly (readonly [string, string])[], reason: string): void {
    for (const [name, title] of cases) this.results.push({ name, title, status: 'skip', reason: cutReason(reason), durationMs: 0 });
  }
}
