// The status page end to end in headless Chromium against a running pipeline:
// it asks for the API key, lists the connectors live, and its restart button
// restarts a connector (the restart count goes up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT } from '../helpers/paths.js';
import { writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { startApiServer } from '../../runtime/api/index.js';
import { parseConfig } from '../../runtime/config/index.js';
import { Supervisor } from '../../runtime/supervisor/supervisor.js';
import { startTarget } from '../helpers/iggy-target.js';
import { runtimeHeader } from '../helpers/runtime-process.js';
import { startRuntimeFixture } from './runtime-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'page-key-42';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const cellText = (page: Page, connector: string, field: string): Promise<string> =>
  page.locator(`tr[data-connector="${connector}"] td[data-field="${field}"]`).innerText();

const count = (text: string): number => Number(text.replace(/,/g, ''));

/** Polls one cell of the table (the page re-renders it every second) until `ok` holds. */
async function waitForCell(page: Page, connector: string, field: string, ok: (value: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await cellText(page, connector, field).catch(() => '');
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ${field} cell of ${connector} did not reach the expected value in ${timeoutMs} ms (last "${last}")`);
}

test('status page: asks for the key, shows connectors live, restarts one on click', async (t) => {
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; npm test does it through scripts/setup.sh --test)`);
  });
  const rt = await startRuntimeFixture({ total: 20_000, perPoll: 20, pollInterval: '20ms', apiKey: KEY });
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS }).catch(async (error: unknown) => {
    await rt.close();
    throw error;
  });
  t.after(async () => {
    // The browser first: it writes into its profile until it is closed.
    await browser.close();
    await rm(profile, { recursive: true, force: true });
    await rt.close();
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  const response = await page.goto(`${rt.api.url}/ui`);
  assert.equal(response?.status(), 200, 'the page itself needs no key');
  assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);

  // /stats answered 401, so the page asks for the key before showing anything.
  await page.locator('#key-form').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await page.locator('tr[data-connector]').count(), 0, 'no connector is shown without the key');
  await page.fill('#api-key', KEY);
  await page.click('#api-key-save');
  assert.equal(await page.evaluate("sessionStorage.getItem('iggy-connectors-api-key')"), KEY, 'the key is kept in sessionStorage');

  const sinkRow = 'sink:file';
  await page.locator(`tr[data-connector="${sinkRow}"]`).waitFor({ timeout: 10_000 });
  const rows = page.locator('tr[data-connector]');
  const ids = await Promise.all(Array.from({ length: await rows.count() }, (_, i) => rows.nth(i).getAttribute('data-connector')));
  assert.deepEqual(ids, ['sink:file', 'sink:spare', 'source:numbers']);
  assert.equal(await cellText(page, 'sink:spare', 'state'), 'disabled');
  assert.equal(await page.locator('tr[data-connector="sink:spare"] button').count(), 0, 'a disabled connector has no restart button');

  await waitForCell(page, sinkRow, 'state', (v) => v === 'running', 30_000);
  await waitForCell(page, sinkRow, 'out', (v) => count(v) > 0, 30_000);
  const firstOut = count(await cellText(page, sinkRow, 'out'));
  // Refreshed every second: the sink's count moves while the source produces.
  await waitForCell(page, sinkRow, 'out', (v) => count(v) > firstOut, 10_000);
  assert.equal(await cellText(page, sinkRow, 'restarts'), '0');

  await page.click(`tr[data-connector="${sinkRow}"] button[data-action="restart"]`);
  await waitForCell(page, sinkRow, 'restarts', (v) => v === '1', 20_000);
  await page.locator('#notice', { hasText: 'sink file restarted' }).waitFor({ timeout: 5_000 });
  await waitForCell(page, sinkRow, 'state', (v) => v === 'running', 20_000);

  const status = (await rt.getJson<{ key: string; restarts: number; restart_reasons: Record<string, number> }[]>('/sinks', KEY)).find((s) => s.key === 'file');
  assert.deepEqual([status?.restarts, status?.restart_reasons], [1, { manual: 1 }], 'the click went through the API to the supervisor');

  await mkdir(join(ROOT, 'test-output'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-output', 'status-page.png'), fullPage: true });
  assert.deepEqual(pageErrors, [], 'the page ran without script errors');
});

test('status page: a connector that failed for good shows its error and what to do', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'status-page-failed-'));
  const target = await startTarget('dev');
  const notWasm = join(dir, 'notes.wasm');
  await writeFile(notWasm, 'not a component\n');
  const toml = `${runtimeHeader(target.port, dir)}\n[sinks.broken]\npath = "${notWasm}"\n[[sinks.broken.streams]]\nstream = "s"\ntopics = ["t"]\n[http]\nenabled = true\naddress = "127.0.0.1:0"\n`;
  const config = parseConfig(toml, { baseDir: dir, env: {} });
  const logger = pino({ level: 'silent' });
  const supervisor = new Supervisor(config, { logger, logLevel: 'silent' });
  const api = await startApiServer({ config, supervisor, logger, version: '0.0.0-test' });
  supervisor.start();
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  t.after(async () => {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
    await supervisor.stop();
    await api.close();
    await target.close();
    await rm(dir, { recursive: true, force: true });
  });
  const page = await browser.newPage();
  await page.goto(`${api.url}/ui`);
  await waitForCell(page, 'sink:broken', 'state', (v) => v === 'failed', 30_000);
  const todo = await page.locator('tr[data-connector="sink:broken"] td[data-field="last-error"] [data-field="todo"]').innerText();
  assert.match(todo, /^What to do: point path at a component/, todo);
  assert.match(await cellText(page, 'sink:broken', 'last-error'), /\[COMPONENT_FORMAT\] .*notes\.wasm is not a WebAssembly file/);
});
