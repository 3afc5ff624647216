// Failures a restart cannot heal end in the state `failed` (never restarted), with
// the error and what to do in the log, in GET /stats and in `iggy-connectors
// status`. Each case is raised by the code that raises it in production: the
// component loader for files that are not components, the host for a grant that
// vanished, the guest for its config, the source checks for messages Iggy's
// consumers cannot read, the server for refused credentials. Against the dev
// broker and the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startApiServer } from '../../runtime/api/index.js';
import { parseConfig } from '../../runtime/config/index.js';
import { validateTransform } from '../../runtime/pipeline/transforms/index.js';
import { Supervisor, type ConnectorStatus } from '../../runtime/supervisor/supervisor.js';
import { forEachTarget, type IggyTarget } from '../helpers/iggy-target.js';
import { CLI, fixturePath, guestPath } from '../helpers/paths.js';
import { eventually, runtimeHeader } from '../helpers/runtime-process.js';

/** The smallest valid core WebAssembly module (magic, version 1): a module, not a component. */
const CORE_MODULE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

interface Expected {
  id: string;
  code: string;
  message: RegExp;
  action: RegExp;
}

interface Runtime {
  supervisor: Supervisor;
  apiUrl: string;
  logs: Record<string, unknown>[];
}

async function startInProcess(t: { after: (fn: () => Promise<void>) => void }, dir: string, toml: string, beforeStart?: () => Promise<void>): Promise<Runtime> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const config = parseConfig(toml, { baseDir: dir, env: {}, validateTransform });
  await beforeStart?.();
  const supervisor = new Supervisor(config, { logger, logLevel: 'silent', stopTimeoutMs: 10_000 });
  const api = await startApiServer({ config, supervisor, logger, version: '0.0.0-test' });
  supervisor.start();
  t.after(async () => {
    await supervisor.stop();
    await api.close();
  });
  return { supervisor, apiUrl: api.url, logs };
}

const byId = (statuses: ConnectorStatus[]): Map<string, ConnectorStatus> => new Map(statuses.map((s) => [`${s.kind}s.${s.key}`, s]));

async function allFailed(rt: Runtime, ids: string[]): Promise<Map<string, ConnectorStatus>> {
  return eventually(
    () => {
      const statuses = byId(rt.supervisor.status());
      return ids.every((id) => statuses.get(id)?.state === 'failed') ? statuses : undefined;
    },
    120_000,
    `every connector of ${ids.join(', ')} to end failed`,
    () => JSON.stringify(rt.supervisor.status().map((s) => [s.key, s.state, s.restarts, s.lastError?.code, s.lastError?.message?.slice(0, 200)])),
  );
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, IGGY_CONNECTORS_HTTP_API_KEY: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Checks one failed connector everywhere the user looks: the supervisor, the log, GET /stats, `status`. */
async function assertFailedEverywhere(rt: Runtime, statuses: Map<string, ConnectorStatus>, expected: Expected[]): Promise<void> {
  const stats = (await (await fetch(`${rt.apiUrl}/stats`)).json()) as {
    connectors: {
      key: string;
      connector_type: string;
      status: string;
      state: string;
      restarts: number;
      last_error?: { code?: string; message: string; action?: string };
    }[];
  };
  const table = await cli(['status', '--url', rt.apiUrl]);
  assert.equal(table.code, 0, table.stderr);
  for (const e of expected) {
    const s = statuses.get(e.id)!;
    assert.equal(s.restarts, 0, `${e.id} must not be restarted: ${JSON.stringify(s.lastError)}`);
    assert.equal(s.lastError?.code, e.code, `${e.id}: ${JSON.stringify(s.lastError)}`);
    assert.match(s.lastError?.message ?? '', e.message, `${e.id}'s error names the cause`);
    assert.match(s.lastError?.action ?? '', e.action, `${e.id}'s error says what to do`);

    const line = rt.logs.find((l) => l.connector === e.id.split('.')[1] && /will not be restarted/.test(String(l.msg)));
    assert.ok(line, `the log says ${e.id} will not be restarted`);
    assert.match(String(line.msg), e.action, `the log line of ${e.id} says what to do`);

    const [kind, key] = e.id.split('.') as [string, string];
    const entry = stats.connectors.find((c) => c.key === key && `${c.connector_type}s` === kind);
    assert.ok(entry, `/stats lists ${e.id}`);
    assert.deepEqual([entry.status, entry.state, entry.restarts, entry.last_error?.code], ['error', 'failed', 0, e.code], `/stats for ${e.id}`);
    assert.match(entry.last_error?.action ?? '', e.action, `/stats says what to do for ${e.id}`);

    const row = table.stdout.split('\n').find((l) => l.startsWith(`${kind.slice(0, -1)} `) && l.split(/\s+/)[1] === key);
    assert.ok(row && /\bfailed\b/.test(row), `status shows ${e.id} failed:\n${table.stdout}`);
    assert.ok(table.stdout.includes(`${kind.slice(0, -1)} ${key} failed:`), `status explains ${e.id}:\n${table.stdout}`);
  }
  assert.equal((table.stdout.match(/what to do: /g) ?? []).length, expected.length, `status says what to do once per failed connector:\n${table.stdout}`);
}

function sourceToml(key: string, path: string, stream: string, config = ''): string {
  return `
[sources.${key}]
path = "${path}"
poll_interval = "20ms"
[[sources.${key}.streams]]
stream = "${stream}"
topic = "${key}"
schema = "raw"
${config ? `[sources.${key}.config]\n${config}` : ''}
`;
}

function sinkToml(key: string, path: string, stream: string, extra = ''): string {
  return `
[sinks.${key}]
path = "${path}"
[[sinks.${key}.streams]]
stream = "${stream}"
topics = ["${key}"]
schema = "raw"
consumer_group = "${key}"
${extra}
`;
}

forEachTarget(import.meta.url, (target: () => IggyTarget) => {
  test('components, grants, configs and source messages a restart cannot fix: failed at once, with the cause and what to do', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'not-restartable-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const stream = target().name('nr');
    const textFile = join(dir, 'notes.wasm');
    const coreModule = join(dir, 'core.wasm');
    const grant = join(dir, 'grant');
    await writeFile(textFile, 'this is a text file, not WebAssembly\n');
    await writeFile(coreModule, CORE_MODULE);
    await mkdir(grant);
    const toml = [
      runtimeHeader(target().port, dir),
      sinkToml('text_file', textFile, stream),
      sinkToml('core_module', coreModule, stream),
      sinkToml('unknown_import', fixtureDirOf('unknown-import-sink'), stream),
      sinkToml('bad_config', guestPath('js', 'stdout-sink'), stream, `[sinks.bad_config.config]\nno_such_key = 1\n`),
      sinkToml(
        'vanished_grant',
        guestPath('rust', 'file-sink'),
        stream,
        `[sinks.vanished_grant.config]\npath = "/out/x"\n[sinks.vanished_grant.permissions]\npreopens = [{ host = "${grant}", guest = "/out", read_only = false }]\n`,
      ),
      sourceToml('sink_as_source', guestPath('js', 'stdout-sink'), stream),
      sourceToml('bad_batch', fixturePath('bad-batch-source'), stream),
      sourceToml('header_kind_0', fixturePath('bad-message-source'), stream, 'fault = "header-kind-0"'),
      sourceToml('header_kind_99', fixturePath('bad-message-source'), stream, 'fault = "header-kind-99"'),
      sourceToml('nanos', fixturePath('bad-message-source'), stream, 'fault = "nanos"'),
    ].join('\n');
    // The grant held when the config was validated and is gone when the connector starts.
    const rt = await startInProcess(t, dir, toml, () => rm(grant, { recursive: true }));
    const expected: Expected[] = [
      { id: 'sinks.text_file', code: 'COMPONENT_FORMAT', message: /notes\.wasm is not a WebAssembly file/, action: /point path at a component/ },
      { id: 'sinks.core_module', code: 'COMPONENT_FORMAT', message: /core\.wasm.*core (WebAssembly )?module/i, action: /a core module does not do/ },
      { id: 'sinks.unknown_import', code: 'COMPONENT_IMPORTS', message: /imports what this host does not provide/, action: /remove those imports/ },
      { id: 'sinks.bad_config', code: 'CONNECTOR_INVALID_CONFIG', message: /unknown config key "no_such_key"/, action: /fix the connector's \[config\] table/ },
      { id: 'sinks.vanished_grant', code: 'HOST_GRANT', message: /preopen hostPath .*grant" does not exist/, action: /\[permissions\]/ },
      {
        id: 'sources.sink_as_source',
        code: 'COMPONENT_WORLD',
        message: /does not export iggy:connector\/source@0\.1\.0/,
        action: /build it for the world of its kind/,
      },
      { id: 'sources.bad_batch', code: 'GUEST_MALFORMED_BATCH', message: /index entry 1: payload range/, action: /fix the source/ },
      { id: 'sources.header_kind_0', code: 'GUEST_MALFORMED_BATCH', message: /index entry 0: .*kind 0 \(reserved\)/, action: /fix the source/ },
      {
        id: 'sources.header_kind_99',
        code: 'GUEST_MALFORMED_BATCH',
        message: /index entry 0: user header value 0 has kind 99, outside Iggy's header kinds 1\.\.15/,
        action: /fix the source/,
      },
      {
        id: 'sources.nanos',
        code: 'GUEST_MALFORMED_BATCH',
        message: /index entry 0: origin timestamp \d+ is after the year 2200 .*looks like nanoseconds/,
        action: /fix the source/,
      },
    ];
    const statuses = await allFailed(
      rt,
      expected.map((e) => e.id),
    );
    await assertFailedEverywhere(rt, statuses, expected);

    // Nothing the refused sources produced reached Iggy.
    const client = await target().client();
    for (const topic of ['header_kind_0', 'header_kind_99', 'nanos']) {
      const details = await client.getTopic(stream, topic);
      assert.equal(details?.topic.messagesCount ?? 0n, 0n, `no message of ${topic} was sent`);
    }
  });

  test('credentials the server refuses: failed, not restarted, with what to change', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'not-restartable-login-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const header = runtimeHeader(target().port, dir).replace('password = "iggy"', 'password = "not-the-password"');
    const rt = await startInProcess(t, dir, header + sinkToml('wrong_password', guestPath('js', 'stdout-sink'), target().name('login')));
    const statuses = await allFailed(rt, ['sinks.wrong_password']);
    await assertFailedEverywhere(rt, statuses, [
      { id: 'sinks.wrong_password', code: 'IGGY_STATUS', message: /Iggy status 42 invalid_credentials/, action: /fix \[iggy\] username\/password or token/ },
    ]);
    assert.equal(statuses.get('sinks.wrong_password')!.lastError?.status, 42);
  });
});

/** A broken fixture's component path relative to the repo (fixturePath covers test/fixtures/guests only). */
function fixtureDirOf(name: string): string {
  return fixturePath(name).replace(join('test', 'fixtures', 'guests'), join('test', 'fixtures', 'broken'));
}
