// Real connectors end to end: the Rust postgres-sink into a throw-away PostgreSQL and the Rust
// http-sink (+ add_fields) into a local _bulk endpoint, each beside a plain TS baseline doing the same writes.
// Run as a script (`node connectors.mjs <role> <json>`) this file is the baselines' child process.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const POSTGRES_SCRIPT = join(root, 'scripts/postgres.sh');
const STREAM = 'bench';
const TOPIC = 'events';
const BATCH = 1000;
const INDEX = 'bench';

export const CONNECTOR_VARIANTS = [
  { name: 'pg-baseline', target: 'postgres', label: 'plain TS, `pg`: multi-row INSERT of 1,000, one transaction each', role: 'pg-baseline', baseline: true },
  { name: 'pg-sink', target: 'postgres', label: 'runtime, Rust postgres-sink (batch 1,000)', guest: 'rust-postgres' },
  { name: 'http-baseline', target: 'http', label: 'plain TS, `fetch`: one _bulk POST of 1,000 (fields added)', role: 'http-baseline', baseline: true },
  { name: 'http-node-baseline', target: 'http', label: 'plain TS, `node:http` (keep-alive agent): the same POSTs', role: 'http-node-baseline' },
  { name: 'http-consumer-baseline', target: 'http', label: 'plain TS consumer + `fetch`: poll 1,000 (same client), one _bulk POST, store offset', role: 'http-consumer-baseline', fromTopic: true },
  { name: 'http-sink', target: 'http', label: 'runtime, Rust http-sink + add_fields (_bulk, batch 1,000)', guest: 'rust-http', addFields: true },
];

/** The metadata columns of the postgres-sink's table, in its order; `payload` follows. */
const PG_COLUMNS = ['iggy_stream', 'iggy_topic', 'iggy_partition', 'iggy_offset', 'iggy_id', 'iggy_timestamp', 'iggy_headers', 'payload'];

function createTableSql(table) {
  return `CREATE TABLE ${table} (iggy_stream text NOT NULL, iggy_topic text NOT NULL, iggy_partition integer NOT NULL, iggy_offset bigint NOT NULL, iggy_id numeric(39,0) NOT NULL, iggy_timestamp timestamptz NOT NULL, iggy_headers jsonb, payload jsonb, PRIMARY KEY (iggy_stream, iggy_topic, iggy_partition, iggy_offset))`;
}

/** The same statement the sink sends for `rows` rows: positional text parameters, µs timestamps, no duplicates. */
function insertSql(table, rows) {
  const values = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const p = PG_COLUMNS.map((_, c) => (c === 5 ? `timestamptz 'epoch' + $${n + c}::bigint * interval '1 microsecond'` : `$${n + c}`));
    n += PG_COLUMNS.length;
    values.push(`(${p.join(',')})`);
  }
  return `INSERT INTO ${table} (${PG_COLUMNS.join(', ')}) VALUES ${values.join(',')} ON CONFLICT (iggy_stream, iggy_topic, iggy_partition, iggy_offset) DO NOTHING`;
}

const selfPeakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
/** This process's CPU time (user + system), in seconds. */
const selfCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Baseline child: the same N payloads into a fresh table, 1,000 rows per INSERT, one transaction per batch. */
async function pgBaseline({ url, table, count }) {
  const { default: pg } = await import('pg');
  const { eventPayload } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(createTableSql(table));
    const fullSql = insertSql(table, BATCH);
    const now = BigInt(Date.now()) * 1000n;
    // Timed from the first committed batch on, as the runtime's watcher times it.
    let first;
    for (let sent = 0; sent < count; sent += BATCH) {
      const n = Math.min(BATCH, count - sent);
      const params = new Array(n * PG_COLUMNS.length);
      for (let i = 0, at = 0; i < n; i++) {
        const seq = sent + i;
        params[at++] = STREAM;
        params[at++] = TOPIC;
        params[at++] = '0';
        params[at++] = String(seq);
        params[at++] = String(seq + 1);
        params[at++] = String(now + BigInt(seq));
        params[at++] = null;
        params[at++] = eventPayload(seq).toString('utf8');
      }
      await client.query('BEGIN');
      await client.query(n === BATCH ? fullSql : insertSql(table, n), params);
      await client.query('COMMIT');
      first ??= { at: performance.now(), messages: sent + n, cpu: selfCpuSeconds() };
    }
    const seconds = (performance.now() - first.at) / 1000;
    const timed = count - first.messages;
    return { role: 'pg-baseline', messages: count, seconds, rate: timed / seconds, cpuSecondsPerMillion: ((selfCpuSeconds() - first.cpu) / timed) * 1e6, peakRssBytes: selfPeakRss() };
  } finally {
    await client.end();
  }
}

/** Baseline child: the same documents, with the field the transform adds, one _bulk POST per 1,000. */
async function httpBaseline({ url, count }) {
  const { eventPayload } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  let first;
  for (let sent = 0; sent < count; sent += BATCH) {
    const n = Math.min(BATCH, count - sent);
    let body = '';
    for (let i = 0; i < n; i++) {
      const seq = sent + i;
      const doc = eventPayload(seq).toString('utf8');
      body += `{"index":{"_index":"${INDEX}","_id":"${STREAM}-${TOPIC}-0-${seq}"}}\n${doc.slice(0, -1)},"service":"checkout"}\n`;
    }
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const reply = await res.text();
    // A _bulk client must read `errors`: 200 does not mean every document went in.
    if (res.status !== 200 || JSON.parse(reply).errors !== false) throw new Error(`the bulk endpoint answered ${res.status}: ${reply.slice(0, 300)}`);
    first ??= { at: performance.now(), messages: sent + n, cpu: selfCpuSeconds() };
  }
  const seconds = (performance.now() - first.at) / 1000;
  const timed = count - first.messages;
  return { role: 'http-baseline', messages: count, seconds, rate: timed / seconds, cpuSecondsPerMillion: ((selfCpuSeconds() - first.cpu) / timed) * 1e6, peakRssBytes: selfPeakRss() };
}

/** The http baseline with Node's own HTTP client instead of fetch: what the runtime's I/O thread sends with. */
async function httpNodeBaseline({ url, count }) {
  const { request, Agent } = await import('node:http');
  const { eventPayload } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  const agent = new Agent({ keepAlive: true });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, reply: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  let first;
  try {
    for (let sent = 0; sent < count; sent += BATCH) {
      const n = Math.min(BATCH, count - sent);
      let body = '';
      for (let i = 0; i < n; i++) {
        const seq = sent + i;
        const doc = eventPayload(seq).toString('utf8');
        body += `{"index":{"_index":"${INDEX}","_id":"${STREAM}-${TOPIC}-0-${seq}"}}\n${doc.slice(0, -1)},"service":"checkout"}\n`;
      }
      const { status, reply } = await post(body);
      if (status !== 200 || JSON.parse(reply).errors !== false) throw new Error(`the bulk endpoint answered ${status}: ${reply.slice(0, 300)}`);
      first ??= { at: performance.now(), messages: sent + n, cpu: selfCpuSeconds() };
    }
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - first.at) / 1000;
  const timed = count - first.messages;
  return { role: 'http-node-baseline', messages: count, seconds, rate: timed / seconds, cpuSecondsPerMillion: ((selfCpuSeconds() - first.cpu) / timed) * 1e6, peakRssBytes: selfPeakRss() };
}

/** The field the add_fields transform adds, spliced in before the closing brace of an object payload. */
const ADDED = Buffer.from(',"service":"checkout"}\n');

/**
 * What-if baseline child: the HTTP baseline fed from the topic, as the sink is. Joins the group,
 * polls 1,000 with the runtime's client, POSTs them as one _bulk body, stores the offset, again.
 */
async function httpConsumerBaseline({ url, count, port, group }) {
  const { connect } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  const { IggyError } = await import(join(root, 'dist/runtime/iggy/index.js'));
  const { INDEX_ENTRY_SIZE, Field, payloadOf } = await import(join(root, 'dist/runtime/batch/flat-batch.js'));
  const client = await connect(port);
  try {
    await client.createConsumerGroup(STREAM, TOPIC, group).catch((error) => {
      if (!(error instanceof IggyError && error.status === 5004)) throw error; // already exists
    });
    await client.joinConsumerGroup(STREAM, TOPIC, group);
    const consumer = { kind: 'group', id: group };
    let messages = 0;
    let first;
    while (messages < count) {
      const polled = await client.pollMessages(STREAM, TOPIC, { consumer, count: BATCH });
      const { batch } = polled;
      if (batch.count === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const parts = [];
      for (let i = 0; i < batch.count; i++) {
        const offset = batch.index.readBigUInt64LE(i * INDEX_ENTRY_SIZE + Field.offset);
        const payload = payloadOf(batch, i);
        parts.push(Buffer.from(`{"index":{"_index":"${INDEX}","_id":"${STREAM}-${TOPIC}-${polled.partitionId}-${offset}"}}\n`), payload.subarray(0, payload.length - 1), ADDED);
      }
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.concat(parts) });
      const reply = await res.text();
      if (res.status !== 200 || JSON.parse(reply).errors !== false) throw new Error(`the bulk endpoint answered ${res.status}: ${reply.slice(0, 300)}`);
      messages += batch.count;
      const last = batch.index.readBigUInt64LE((batch.count - 1) * INDEX_ENTRY_SIZE + Field.offset);
      await client.storeConsumerOffset(STREAM, TOPIC, consumer, polled.partitionId, last);
      first ??= { at: performance.now(), messages, cpu: selfCpuSeconds() };
    }
    const seconds = (performance.now() - first.at) / 1000;
    const timed = messages - first.messages;
    return { role: 'http-consumer-baseline', messages, seconds, rate: timed / seconds, cpuSecondsPerMillion: ((selfCpuSeconds() - first.cpu) / timed) * 1e6, peakRssBytes: selfPeakRss() };
  } finally {
    await client.close();
  }
}

const ROLES = { 'pg-baseline': pgBaseline, 'http-baseline': httpBaseline, 'http-node-baseline': httpNodeBaseline, 'http-consumer-baseline': httpConsumerBaseline };

/** Runs a baseline in its own process (its own core, its own RSS); killed if it outlives `timeoutMs`. */
async function runBaseline(role, args, BenchRunError, timeoutMs = 600_000) {
  try {
    const { stdout } = await run(process.execPath, [self, role, JSON.stringify(args)], { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').at(-1));
  } catch (error) {
    throw new BenchRunError(`baseline ${role} failed: ${error.stderr?.trim() || error.message}`, { cause: error });
  }
}

/** One `items` entry of a _bulk answer, as Elasticsearch writes it for an indexed document. */
const bulkItem = (n) =>
  `{"index":{"_index":"${INDEX}","_id":"${n}","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":${n},"_primary_term":1,"status":201}}`;

/**
 * A local _bulk endpoint: counts the lines of every request body (an action line and a
 * document per message) without keeping them, and answers 200 as Elasticsearch does, with
 * `errors` and one item per document (about 170 bytes each). Counts are per path.
 */
async function startBulkEndpoint() {
  const docs = new Map();
  const server = createServer((req, res) => {
    let lines = 0;
    req.on('data', (chunk) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    });
    req.on('end', () => {
      const count = lines / 2;
      const seen = docs.get(req.url) ?? 0;
      docs.set(req.url, seen + count);
      const items = [];
      for (let i = 0; i < count; i++) items.push(bulkItem(seen + i));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"errors":false,"took":3,"items":[${items.join(',')}]}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    docs: (path) => docs.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A throw-away PostgreSQL (scripts/postgres.sh) and a pool for the suite's own checks. */
async function startPostgres(BenchRunError) {
  // Directly under the temp folder: as root the server runs as "postgres", which must enter it.
  const dir = await mkdtemp(join(tmpdir(), 'iggy-bench-pg-'));
  let port;
  try {
    ({ stdout: port } = await run('bash', [POSTGRES_SCRIPT, 'start', dir], { timeout: 60_000 }));
  } catch (error) {
    await run('bash', [POSTGRES_SCRIPT, 'stop', dir], { timeout: 60_000 }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new BenchRunError(`scripts/postgres.sh start failed (is PostgreSQL installed?): ${error.stderr?.trim() || error.message}`, { cause: error });
  }
  const url = `postgres://iggy:iggy@127.0.0.1:${Number(port.trim())}/postgres`;
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    port: Number(port.trim()),
    url,
    pool,
    async stop() {
      await pool.end().catch(() => {});
      await run('bash', [POSTGRES_SCRIPT, 'stop', dir], { timeout: 60_000 }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `count` is the suite's --count; the connectors move a fifth of it (200,000 by default). */
export async function runConnectorsSuite({ runs, count: requested, targets = ['postgres', 'http'], scratch, log }) {
  const { BenchRunError } = await import('../lib/errors.mjs');
  const { startBroker, runRole, measureRuntime, IGGY_HOME } = await import('../lib/children.mjs');
  const { sinkConfig, CONNECTOR_GUESTS } = await import('../lib/configs.mjs');
  const { summarise, ratio } = await import('../lib/stats.mjs');
  const variants = CONNECTOR_VARIANTS.filter((v) => targets.includes(v.target));
  for (const v of variants) {
    if (v.guest && !existsSync(CONNECTOR_GUESTS[v.guest])) throw new BenchRunError(`${CONNECTOR_GUESTS[v.guest]} is missing: run \`node scripts/build-guests.mjs --only=rust\` (or drop --skip-build)`);
  }
  const count = Math.max(BATCH, Math.round(requested / 5 / BATCH) * BATCH);
  const owned = [];
  try {
    const broker = await startBroker();
    owned.push(() => broker.child.stop());
    const postgres = targets.includes('postgres') ? await startPostgres(BenchRunError) : undefined;
    if (postgres) owned.push(() => postgres.stop());
    const endpoint = await startBulkEndpoint();
    owned.push(() => endpoint.close());
    // Issue 22 asks for Iggy's native HTTP sink beside these rows when a build of it is there; the
    // prebuilt Iggy ships only the stdout sink and random source plugins so far.
    const nativeHttp = ['libiggy_connector_quickwit_sink.so', 'libiggy_connector_elasticsearch_sink.so', 'libiggy_connector_http_sink.so'].filter((f) => existsSync(join(IGGY_HOME, 'bin', f)));
    if (targets.includes('http')) {
      log(nativeHttp.length > 0 ? `connectors: ${nativeHttp.join(', ')} found in ${IGGY_HOME}/bin but not measured yet (no config for it here)` : `connectors: no native HTTP sink plugin in ${IGGY_HOME}/bin, so no native row`);
    }
    const preload = await runRole('preload', { port: broker.port, stream: STREAM, topic: TOPIC, count, batch: BATCH });
    log(`connectors: preloaded ${count.toLocaleString('en-US')} messages (${(preload.payloadBytes / count).toFixed(0)} B payloads); ${postgres ? `PostgreSQL on port ${postgres.port}, ` : ''}bulk endpoint on port ${endpoint.port}`);

    const rowsIn = async (table) => Number((await postgres.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
    // Variants interleave within each round so that a noisy moment hits all of them alike.
    for (let r = 0; r < runs; r++) {
      for (const v of variants) {
        const tag = `${v.name.replace('-', '_')}_${r}`;
        const table = `bench_${tag}`;
        const path = `/${tag}/_bulk`;
        const url = `http://127.0.0.1:${endpoint.port}${path}`;
        let result;
        if (v.role) {
          const args = v.target === 'postgres' ? { url: postgres.url, table, count } : { url, count };
          if (v.fromTopic) Object.assign(args, { port: broker.port, group: `bench-${v.name}-${r}` });
          result = await runBaseline(v.role, args, BenchRunError);
        } else {
          const group = `bench-${v.name}-${r}`;
          const config =
            v.target === 'postgres'
              ? { connection: postgres.url, table }
              : { url, format: 'elasticsearch_bulk', index: INDEX };
          const allowedHosts = [`127.0.0.1:${v.target === 'postgres' ? postgres.port : endpoint.port}`];
          const configPath = await sinkConfig({ dir: join(scratch, `connectors-${v.name}-${r}`), port: broker.port, guest: v.guest, stream: STREAM, topic: TOPIC, group, addFields: v.addFields, config, allowedHosts });
          ({ result } = await measureRuntime(configPath, { role: 'watch-offset', options: { port: broker.port, stream: STREAM, topic: TOPIC, group, count, 'timeout-ms': 600_000 } }));
        }
        // What arrived is checked, so a connector that commits without writing cannot post a figure.
        const arrived = v.target === 'postgres' ? await rowsIn(table) : endpoint.docs(path);
        if (arrived < count) throw new BenchRunError(`connectors ${v.name} run ${r + 1}: ${arrived} of ${count} messages arrived at the ${v.target === 'postgres' ? `table ${table}` : `endpoint ${path}`}`);
        if (v.target === 'postgres') await postgres.pool.query(`DROP TABLE ${table}`);
        samples[v.name].push(result);
        log(`connectors ${v.name} run ${r + 1}/${runs}: ${Math.round(result.rate).toLocaleString('en-US')} msgs/s, ${result.cpuSecondsPerMillion?.toFixed(2) ?? '?'} CPU s per million, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    const baselines = Object.fromEntries(variants.filter((v) => v.baseline).map((v) => [v.target, samples[v.name]]));
    const baseOf = Object.fromEntries(Object.entries(baselines).map(([target, runs]) => [target, summarise(runs.map((s) => s.rate)).median]));
    return variants.map((v) => {
      const rate = summarise(samples[v.name].map((s) => s.rate));
      return {
        // Each round's own ratio: its runs were next to each other, so load on the machine falls on both.
        vsBaselineRounds: samples[v.name].map((s, r) => ratio(s.rate, baselines[v.target][r].rate)),
        cpuSecondsPerMillion: summarise(samples[v.name].map((s) => s.cpuSecondsPerMillion ?? NaN)),
        name: v.name,
        target: v.target,
        label: v.label,
        messages: count,
        rate,
        peakRssBytes: summarise(samples[v.name].map((s) => s.peakRssBytes)),
        firstBatchRssBytes: summarise(samples[v.name].map((s) => s.firstBatchRssBytes ?? NaN)),
        vsBaseline: ratio(rate.median, baseOf[v.target]),
      };
    });
  } finally {
    // Every child and server this suite started stops, in reverse order, even after a failure.
    for (const stop of owned.reverse()) await stop().catch(() => {});
  }
}

if (process.argv[1] === self) {
  const role = ROLES[process.argv[2]];
  if (!role) {
    process.stderr.write(`unknown role "${process.argv[2]}": expected one of ${Object.keys(ROLES).join(', ')}\n`);
    process.exit(2);
  }
  role(JSON.parse(process.argv[3] ?? '{}')).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      process.stderr.write(`${error.name}: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
