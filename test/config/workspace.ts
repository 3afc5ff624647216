// A throw-away directory for config tests: config files plus placeholder component
// files (the loader only checks that a component exists), removed when the test ends.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

/** The 8-byte preamble of a WebAssembly component (magic, version 0x0d, layer 1). */
export const COMPONENT_PREAMBLE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

export interface Workspace {
  dir: string;
  /** Writes `text` to `relative` (creating folders) and returns the absolute path. */
  write(relative: string, text: string): string;
  /** Creates a placeholder component at `relative` and returns the absolute path. */
  component(relative: string): string;
  path(relative: string): string;
}

export function workspace(t: TestContext): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'iggy-config-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = (relative: string) => join(dir, relative);
  const write = (relative: string, text: string | Buffer) => {
    const full = path(relative);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  return {
    dir,
    path,
    write: (relative, text) => write(relative, text),
    component: (relative) => write(relative, COMPONENT_PREAMBLE),
  };
}
