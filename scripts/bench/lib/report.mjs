// Turns one benchmark run's results into bench/results.md (tables, targets, profile
// rankings) and bench/throughput.svg (boundary throughput by batch size, log-log).
import { renderScaleMarkdown, scaleTargets } from '../suites/scale.mjs';

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fixed = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : 'n/a');
const pct = (share) => `${(share * 100).toFixed(1)} %`;
const ms = (us) => (Number.isFinite(us) ? `${(us / 1000).toFixed(2)} ms` : 'n/a');
const spread = (s, f = int) => `${f(s.median)} (${f(s.min)}–${f(s.max)}, ${s.runs} runs)`;

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Each target beside the measured median and the same-run baseline that bounds it. */
export function checkTargets(results) {
  const out = [];
  const sink = (name) => results.sink?.find((r) => r.name === name);
  const source = (name) => results.source?.find((r) => r.name === name);
  const push = (what, target, measured, ok, context) => out.push({ what, target, measured, ok, context });
  if (results.sink) {
    const base = sink('baseline');
    for (const [name, min] of [['rust-raw', 1_000_000], ['rust-schema-raw', 1_000_000], ['go-raw', 1_000_000], ['js-raw', 1_000_000], ['rust-add-fields', 700_000], ['js-add-fields', 700_000]]) {
      const r = sink(name);
      if (r) push(`sink ${name} msgs/s`, `≥ ${int(min)}`, int(r.rate.median), r.rate.median >= min, `${fixed(r.vsBaseline)}× the plain consumer (${int(base?.rate.median)} msgs/s)`);
    }
  }
  if (results.source) {
    const base = source('baseline');
    for (const name of ['rust-random', 'js-random']) {
      const r = source(name);
      if (r) push(`source ${name} msgs/s`, '≥ 300,000', int(r.rate.median), r.rate.median >= 300_000, `${fixed(r.vsBaseline)}× the plain producer (${int(base?.rate.median)} msgs/s)`);
    }
  }
  const runtimeRss = [...(results.sink ?? []), ...(results.source ?? [])].filter((r) => !r.name.startsWith('baseline'));
  for (const r of runtimeRss) {
    const kind = results.sink?.includes(r) ? 'sink' : 'source';
    push(`runtime peak RSS, ${kind} ${r.name}`, '≤ 100 MB', mib(r.peakRssBytes.median), r.peakRssBytes.median <= 100e6, '');
  }
  for (const row of (results.boundary ?? []).filter((r) => r.batch === 1000 && !r.impl.startsWith('plain-js'))) {
    push(`guest cost, ${row.impl} at batch 1,000 × ${row.payload} B`, '≤ 1.3× plain', `${fixed(row.plainOverGuest)}×`, row.plainOverGuest <= 1.3, `${int(row.rate.median)} msgs/s in the guest`);
  }
  if (results.native && !results.native.skipped) {
    // Issue 15's targets: real server, 1 partition, batch 1,000, ~135 B JSON, same run.
    const all = [...results.native.sink, ...results.native.source];
    const row = (name) => all.find((r) => r.name === name);
    for (const [name, what, times] of [['runtime-sink', 'sink, Rust count sink', 2.5], ['runtime-sink-add-fields', 'sink, Rust count sink + add_fields', 2.5], ['runtime-source', 'source, Rust random source', 3]]) {
      const r = row(name);
      if (!r) continue;
      const ref = row(r.ref);
      const plain = row(r.plain);
      push(`real server: ${what} × native (unpaced)`, `≥ ${times}×`, `${fixed(r.vsNative)}×`, r.vsNative >= times, `${int(r.rate.median)} vs ${int(ref?.rate.median)} msgs/s (${ref?.label})`);
      push(`real server: ${what} × plain client`, '≥ 0.9×', `${fixed(r.vsPlain)}×`, r.vsPlain >= 0.9, `${int(r.rate.median)} vs ${int(plain?.rate.median)} msgs/s (${plain?.label})`);
    }
  }
  if (results.latency) {
    for (const row of results.latency.rows) {
      push(`latency p99, ${row.name}, ${int(results.latency.rate)} msgs/s`, '< 10 ms', ms(row.p99.median), row.p99.median < 10_000, `p50 ${ms(row.p50.median)}`);
    }
  }
  if (results.scale) out.push(...scaleTargets(results.scale));
  return out;
}

/** When each suite was measured, when a partial run kept older suites. */
function suiteDates(meta) {
  const entries = Object.entries(meta.suites ?? {});
  if (entries.length === 0) return '';
  const row = ([name, s]) =>
    s.error ? [name, s.date, s.commit, 'failed', s.error.split('\n')[0].slice(0, 200), ''] : [name, s.date, s.commit, String(s.runs), s.loadAverage.map((l) => l.toFixed(1)).join(' / '), s.target ?? 'dev'];
  return `\n\n${table(['suite', 'measured', 'commit', 'runs', 'load average', 'broker'], entries.map(row))}`;
}

export function renderMarkdown(results) {
  const parts = [];
  const m = results.meta;
  parts.push(`# Benchmark results\n\n${m.date} · node ${m.node} · ${m.cpus} CPU(s) · load average at start ${m.loadAverage.map((l) => l.toFixed(1)).join(' / ')} · commit ${m.commit}\n\nFigures are medians of the runs shown (min–max in brackets). Baselines ran in the same run as what they bound, interleaved with it.${suiteDates(m)}`);
  const targets = checkTargets(results);
  if (targets.length) {
    parts.push(`## Targets\n\n${table(['figure', 'target', 'measured', 'met', 'beside the baseline'], targets.map((t) => [t.what, t.target, t.measured, t.ok ? 'yes' : '**no**', t.context]))}`);
  }
  if (results.boundary) {
    const rows = results.boundary.map((r) => [r.label, int(r.batch), `${r.payload} B`, spread(r.rate), fixed(r.mbPerSecond, 1), r.impl === 'plain-js' ? '1' : `${fixed(r.plainOverGuest)}×`]);
    // Rows grouped per payload size, batch size, then implementation, as measured.
    parts.push(`## Guest boundary (\`consume\` calls in one process)\n\n${table(['implementation', 'batch', 'payload', 'msgs/s', 'MB/s', 'plain ÷ guest'], rows)}\n\n![throughput by batch size](throughput.svg)`);
  }
  if (results.sink) {
    const rows = results.sink.map((r) => [r.label, spread(r.rate), fixed(r.vsBaseline), mib(r.peakRssBytes.median), mib(r.firstBatchRssBytes?.median)]);
    parts.push(`## Sink end to end (${int(results.sink[0].messages)} messages preloaded, batch 1,000, 1 partition)\n\n${table(['consumer', 'msgs/s', '× baseline', 'peak RSS', 'RSS at first batch'], rows)}`);
  }
  if (results.source) {
    const rows = results.source.map((r) => [r.label, spread(r.rate), fixed(r.vsBaseline), mib(r.peakRssBytes.median), mib(r.firstBatchRssBytes?.median)]);
    parts.push(`## Source end to end (${int(results.source[0].messages)} messages, batch 1,000)\n\n${table(['producer', 'msgs/s', '× baseline', 'peak RSS', 'RSS at first batch'], rows)}`);
  }
  if (results.native) {
    const n = results.native;
    if (n.skipped) parts.push(`## Beside Iggy's native runtime\n\nSkipped: ${n.skipped}`);
    else {
      const head = ['connector', 'msgs/s', 'MB/s', '× native', '× plain', 'peak RSS', 'CPU s per million', 'native CPU ÷ this'];
      // CPU per message moves far less with the machine's load than the rate does.
      const all = [...n.sink, ...n.source];
      const cpuVsNative = (r) => fixed((all.find((x) => x.name === r.ref)?.cpuSecondsPerMillion.median ?? NaN) / r.cpuSecondsPerMillion.median);
      const line = (r) => [r.restarts ? `${r.label} (**${r.restarts} connector restart(s)** in these runs)` : r.label, spread(r.rate), fixed(r.mbPerSecond.median, 1), `${fixed(r.vsNative)} (${r.vsNativePerRound.map((x) => fixed(x)).join(', ')})`, fixed(r.vsPlain), mib(r.peakRssBytes.median), `${fixed(r.cpuSecondsPerMillion.median)} (${fixed(r.cpuSecondsPerMillion.min)}–${fixed(r.cpuSecondsPerMillion.max)})`, cpuVsNative(r)];
      parts.push(
        `## Beside Iggy's native runtime (real Apache Iggy server, ${int(n.messages)} messages per run, batch 1,000, 1 partition, ~135 B JSON)\n\n` +
          "Every variant ran once per round, rounds interleaved. \"× native\" is against the unpaced native run of the same work (stdout sink, stdout sink + add_fields, random source), median over median, then each round's own ratio in brackets; \"× plain\" against the plain TS client. Peak RSS is the VmHWM of the process tree; CPU seconds are user + system of the tree over the timed window, per million messages (median, min–max); \"native CPU ÷ this\" is how many times less CPU per message than the native reference row uses.\n\n" +
          `### Sink (preloaded topic; timed from the group's first stored offset to the last)\n\n${table(head, n.sink.map(line))}\n\n` +
          `### Source (fresh topic per run; timed from the first message in the topic to the last)\n\n${table(head, n.source.map(line))}`,
      );
    }
  }
  if (results.connectors) {
    // One table per destination: each runtime row is read against the baseline above it.
    const dest = { postgres: 'PostgreSQL (local server, fsync off)', http: 'local HTTP _bulk endpoint (counts lines, answers 200 with one item per document)' };
    const rounds = (r) => (r.vsBaselineRounds ? ` [${r.vsBaselineRounds.map((x) => fixed(x)).join(', ')}]` : '');
    const cpu = (r) => (r.cpuSecondsPerMillion ? spread(r.cpuSecondsPerMillion, (x) => fixed(x)) : 'n/a');
    const sections = Object.entries(dest)
      .map(([target, title]) => [title, results.connectors.filter((r) => r.target === target)])
      .filter(([, rows]) => rows.length > 0)
      .map(
        ([title, rows]) =>
          `### Into ${title}\n\n${table(
            ['writer', 'msgs/s', '× baseline [each round]', 'CPU s per million', 'peak RSS', 'RSS at first batch'],
            rows.map((r) => [r.label, spread(r.rate), `${fixed(r.vsBaseline)}${rounds(r)}`, cpu(r), mib(r.peakRssBytes.median), mib(r.firstBatchRssBytes?.median)]),
          )}`,
      );
    parts.push(`## Real connectors end to end (${int(results.connectors[0].messages)} messages preloaded, batch 1,000, 1 partition)\n\nThe runtime is timed from its first committed offset to the last; a baseline from its first finished batch to the last. Every run checks that all messages arrived (rows counted, bulk lines counted). CPU seconds are user + system of the writer's process (the runtime's whole tree) over the timed window, per million messages.\n\n${sections.join('\n\n')}`);
  }
  if (results.scale) parts.push(renderScaleMarkdown(results.scale));
  if (results.latency) {
    const l = results.latency;
    const rows = l.rows.map((r) => [r.label, ms(r.p50.median), ms(r.p90.median), ms(r.p99.median), ms(r.p999.median), ms(r.max.median), int(r.samples), int(r.producedRate.median)]);
    parts.push(`## Latency, produce to consume at ${int(l.rate)} msgs/s (${l.seconds} s per run, first ${l.warmupSeconds} s not counted)\n\n${table(['consumer', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples', 'produced msgs/s'], rows)}\n\nClock resolution 1 ms on both ends (the host's wall clock), histogram buckets 10 µs.`);
  }
  if (results.profiles) {
    const sections = results.profiles.map((p) => {
      const worker = p.threads.filter((t) => t.thread !== 'main').sort((a, b) => b.busyMs - a.busyMs)[0];
      const main = p.threads.find((t) => t.thread === 'main');
      if (!worker) return `### ${p.label}\n\nno worker-thread profile was written`;
      return `### ${p.label}\n\n${int(p.rateWhileProfiled)} msgs/s while profiled. Connector worker, steady state: ${fixed(worker.busyMs / 1000)} s busy in a ${fixed(worker.windowMs / 1000)} s window (${pct(worker.busyMs / worker.windowMs)} busy, the rest waiting on I/O), after ${fixed(worker.startupMs / 1000)} s of start-up; main thread: ${fixed((main?.busyMs ?? 0) / 1000)} s busy in all.\n\n${table(
        ['stage (inclusive of the node core calls it makes)', 'share', 'ms'],
        worker.categories.slice(0, 10).map((c) => [c.where, pct(c.share), int(c.ms)]),
      )}\n\n${table(['function (self time)', 'share', 'ms'], worker.functions.slice(0, 12).map((f) => [`\`${f.where}\``, pct(f.share), int(f.ms)]))}`;
    });
    parts.push(`## Profiles (node --cpu-prof, connector worker thread)\n\n${sections.join('\n\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

const COLOURS = { 'plain-js': '#1b7f3b', 'plain-js-copy': '#7fb08a', rust: '#c0392b', js: '#2b5fb3', go: '#8e44ad' };

/** Log-log chart: messages/s by batch size, one line per implementation and payload size. */
export function renderSvg(boundary) {
  const W = 880;
  const H = 440;
  const pad = { left: 80, right: 300, top: 40, bottom: 50 };
  const batches = [...new Set(boundary.map((r) => r.batch))].sort((a, b) => a - b);
  const rates = boundary.map((r) => r.rate.median).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...rates)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...rates)));
  const x = (b) => pad.left + ((Math.log10(b) - Math.log10(batches[0])) / (Math.log10(batches.at(-1)) - Math.log10(batches[0]) || 1)) * (W - pad.left - pad.right);
  const y = (v) => H - pad.bottom - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - pad.top - pad.bottom);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="${pad.left}" y="22" font-size="14" font-weight="bold">Sink consume throughput by batch size (messages/s, log-log)</text>`);
  for (let v = yMin; v <= yMax; v *= 10) {
    out.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end">${v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v}</text>`);
  }
  for (const b of batches) out.push(`<line x1="${x(b)}" x2="${x(b)}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="#eee"/>`, `<text x="${x(b)}" y="${H - pad.bottom + 18}" text-anchor="middle">${b.toLocaleString('en-US')}</text>`);
  out.push(`<text x="${(pad.left + W - pad.right) / 2}" y="${H - 10}" text-anchor="middle">messages per batch</text>`);
  const series = [...new Set(boundary.map((r) => `${r.impl}|${r.payload}`))];
  series.forEach((key, i) => {
    const [impl, payload] = key.split('|');
    const points = boundary.filter((r) => r.impl === impl && String(r.payload) === payload && r.rate.median > 0).sort((a, b) => a.batch - b.batch);
    const colour = COLOURS[impl] ?? '#555';
    const dash = payload === '100' ? '' : ' stroke-dasharray="6 4"';
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points.map((p) => `${x(p.batch).toFixed(1)},${y(p.rate.median).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) out.push(`<circle cx="${x(p.batch).toFixed(1)}" cy="${y(p.rate.median).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = pad.top + 10 + i * 20;
    out.push(`<line x1="${W - pad.right + 15}" x2="${W - pad.right + 45}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`, `<text x="${W - pad.right + 52}" y="${ly + 4}">${points[0]?.label.split(' (')[0] ?? impl}, ${payload} B</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
