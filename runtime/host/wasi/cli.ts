// wasi:cli for a guest: stdio wired to host sinks, an environment holding only the
// granted variables, no arguments, no terminal, exit turned into a trap.
import { InputStream, OutputStream, type WriteSink } from './io.js';

export class TerminalInput {}
export class TerminalOutput {}

export interface CliWiring {
  stdout: WriteSink;
  stderr: WriteSink;
  /** name → value pairs the guest may see. */
  environment: readonly [string, string][];
}

export function cliImports(wiring: CliWiring) {
  // One stream object per stdio handle: guests call get-stdout often, and each call
  // would otherwise hand out a new resource.
  const stdout = new OutputStream(wiring.stdout);
  const stderr = new OutputStream(wiring.stderr);
  const stdin = new InputStream(() => undefined);
  const environment = wiring.environment.map(([k, v]) => [k, v] as [string, string]);
  return {
    'wasi:cli/environment': {
      getEnvironment: () => environment.map(([k, v]) => [k, v]),
      getArguments: (): string[] => [],
      initialCwd: (): string | undefined => undefined,
    },
    'wasi:cli/exit': {
      exit(status: { tag: 'ok' | 'err' }): never {
        throw new Error(`guest called wasi:cli/exit (${status.tag}); a connector must return instead of exiting`);
      },
      exitWithCode(code: number): never {
        throw new Error(`guest called wasi:cli/exit with code ${code}; a connector must return instead of exiting`);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: (): TerminalInput | undefined => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: (): TerminalOutput | undefined => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: (): TerminalOutput | undefined => undefined },
  };
}
