// `iggy-connectors test`: the conformance kit for connector authors' CI. Runs every
// case against one component and exits 0 only when none failed.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDuration, parseSize } from '../../config/units.js';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_LEAK,
  formatReport,
  isReporterName,
  readConnectorConfig,
  reportPassed,
  runConformance,
  type ReporterName,
} from '../../conformance/index.js';
import type { ConnectorKind, Preopen } from '../../host/index.js';
import { CliUsageError, parseCommandArgs, type Command } from '../command.js';

/** `<host-dir>[=<guest-path>]`; the guest sees the directory at its host path when no guest path is given. */
function parseDir(spec: string): Preopen {
  const at = spec.indexOf('=');
  const hostPath = resolve(at < 0 ? spec : spec.slice(0, at));
  const guestPath = at < 0 ? hostPath : spec.slice(at + 1);
  if (guestPath === '') throw new CliUsageError(`test: --dir ${spec}: the guest path after "=" is empty`);
  return { hostPath, guestPath, readOnly: false };
}

export const testCommand: Command = {
  name: 'test',
  summary: 'check a connector component against the contract (conformance kit; no Iggy server needed)',
  help: `Usage: iggy-connectors test <component.wasm> [options]

Runs the conformance cases against one connector component: its world and
imports, open with the given and with an invalid config, the sink batches
(empty, one, 10,000 messages, 1 MiB, non-UTF-8, every header kind, unicode
keys) or the source polls (shape, count, state), close, the call timeout,
memory growth over 1,000 calls, and traps. See docs/conformance.md.

Options:
  --kind sink|source        the world the component claims (default: inferred from its exports)
  --config <file>           the connector's config table, .json or .toml (default: {})
  --reporter spec|tap|junit report format (default: spec)
  --output <file>           write the report there; a spec summary still goes to stdout
  --call-timeout <duration> a call running longer fails and its guest is terminated (default: 5s)
  --dir <host-dir>[=<guest-path>]
                            grant the guest a writable directory (repeatable), e.g. for a file sink
  --memory-growth-limit <size>
                            linear memory growth allowed over the last 500 of the
                            1,000 measured calls (default: 8MiB)

Exit code 0 when every case passed or was skipped, 1 when any case failed.`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      'test',
      args,
      {
        kind: { type: 'string' },
        config: { type: 'string', short: 'c' },
        reporter: { type: 'string', short: 'r' },
        output: { type: 'string', short: 'o' },
        'call-timeout': { type: 'string' },
        dir: { type: 'string', multiple: true },
        'memory-growth-limit': { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1) throw new CliUsageError('test: give exactly one component file, e.g. `iggy-connectors test my_sink.wasm`');
    const kind = values.kind;
    if (kind !== undefined && kind !== 'sink' && kind !== 'source') throw new CliUsageError(`test: --kind must be sink or source, got "${kind}"`);
    const reporter = values.reporter ?? 'spec';
    if (!isReporterName(reporter)) throw new CliUsageError(`test: --reporter must be spec, tap or junit, got "${reporter}"`);
    const callTimeoutMs = values['call-timeout'] === undefined ? DEFAULT_CALL_TIMEOUT_MS : parseDuration(values['call-timeout']);
    if (callTimeoutMs === undefined || callTimeoutMs <= 0) {
      throw new CliUsageError(`test: --call-timeout must be a positive duration such as 5s or 500ms, got "${values['call-timeout']}"`);
    }
    const growth = values['memory-growth-limit'] === undefined ? DEFAULT_LEAK.thresholdBytes : parseSize(values['memory-growth-limit']);
    if (growth === undefined) throw new CliUsageError(`test: --memory-growth-limit must be a size such as 8MiB, got "${values['memory-growth-limit']}"`);

    const config = await readConnectorConfig(values.config);
    const report = await runConformance({
      path: positionals[0],
      config,
      callTimeoutMs,
      leak: { thresholdBytes: growth },
      grants: { preopens: (values.dir ?? []).map(parseDir) },
      ...(kind ? { kind: kind as ConnectorKind } : {}),
    });
    const text = formatReport(report, reporter as ReporterName);
    if (values.output) {
      await writeFile(values.output, text);
      process.stdout.write(formatReport(report, 'spec'));
    } else {
      process.stdout.write(text);
    }
    return reportPassed(report) ? 0 : 1;
  },
};
