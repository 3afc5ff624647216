// Errors the pipelines raise on purpose, and the one table that says which
// failures a restart can heal. The supervisor restarts a connector (with
// backoff) only when this table says a restart may help; anything else ends in
// the state `failed`, with the table's advice on what to change.
import { RuntimeError } from '../errors.js';
import { IGGY_STATUS } from '../iggy/errors.js';

/** The connector was stopped by its error policy (`errors.on_permanent = "stop"`); a restart would fail the same way. */
export class ConnectorStoppedError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTOR_STOPPED', message, options);
  }
}

/** What a failure means for the connector: restart it with backoff, or stop it (`failed`) until someone fixes the cause. */
export interface FailureClass {
  restart: boolean;
  /** The table row it matched, e.g. `GUEST_TRAP` or `Iggy 4041`. */
  rule: string;
  /** What the user should do (or what the runtime does) about it. */
  action: string;
}

interface Rule {
  restart: boolean;
  /** Short name of the class, as docs/pipelines.md lists it. */
  what: string;
  action: string;
}

const RESTARTING = 'the runtime restarts the connector with backoff from its last committed position';
const THEN_RESTART = 'then restart the connector (POST /sinks/<key>/restart or /sources/<key>/restart, or restart the runtime)';

/**
 * Runtime error codes (`RuntimeError.code`) a connector's worker can end with. An error without a
 * code (a crash, a worker that exited) is restarted; `IGGY_STATUS` is looked up in IGGY_STATUS_RULES.
 */
export const ERROR_CODE_RULES: Readonly<Record<string, Rule>> = {
  IGGY_CONNECTION: { restart: true, what: 'Iggy connection lost or refused', action: `${RESTARTING}; check that the Iggy server at [iggy].address is up` },
  IGGY_TIMEOUT: {
    restart: true,
    what: 'Iggy request timed out',
    action: `${RESTARTING}; a busy or stalled server heals by itself, a dead one shows as IGGY_CONNECTION`,
  },
  IGGY_PROTOCOL: {
    restart: true,
    what: 'unreadable reply from Iggy',
    action: `${RESTARTING} on a new connection; if it repeats, the server speaks another protocol than iggy 0.11 (docs/iggy-protocol.md)`,
  },
  IGGY_CLOSED: { restart: true, what: 'Iggy client closed', action: RESTARTING },
  GUEST_TRAP: { restart: true, what: 'guest trapped', action: `${RESTARTING} and a fresh instance; its batch is delivered again` },
  GUEST_TIMEOUT: {
    restart: true,
    what: 'guest call over limits.call_timeout',
    action: `${RESTARTING} and a fresh instance; raise limits.call_timeout if the call is slow by design`,
  },
  GUEST_MEMORY_LIMIT: {
    restart: true,
    what: 'guest over limits.memory_limit',
    action: `${RESTARTING} and a fresh instance; raise limits.memory_limit if it needs more`,
  },
  ERR_WORKER_OUT_OF_MEMORY: { restart: true, what: "connector worker's heap exhausted", action: RESTARTING },
  CONNECTOR_TRANSIENT: { restart: true, what: 'guest reported a transient error', action: `${RESTARTING}; the guest said the cause may pass` },
  STATE_STORE: {
    restart: true,
    what: 'source state file unreadable or unwritable',
    action: `${RESTARTING}; check the disk and the permissions of [state].path`,
  },
  CAPABILITY_BRIDGE: { restart: true, what: 'host capability (http, postgres) failed', action: RESTARTING },
  FILESYSTEM_HUNG: {
    restart: true,
    what: 'a file operation in a preopen did not answer within limits.call_timeout',
    action: `${RESTARTING}; while the mount still hangs each new instance fails at once: fix or unmount the file system the message names`,
  },
  FILE_THREAD: { restart: true, what: "connector's file I/O thread ended", action: `${RESTARTING} and a new file I/O thread` },
  CONNECTOR_STOPPED: { restart: false, what: 'stopped by its error policy or a refused open', action: `fix the cause the message names, ${THEN_RESTART}` },
  CONNECTOR_INVALID_CONFIG: {
    restart: false,
    what: 'guest refused its config',
    action: `fix the connector's [config] table as the message says, ${THEN_RESTART}`,
  },
  CONNECTOR_PERMANENT: { restart: false, what: 'guest reported a permanent error', action: `fix the cause the message names, ${THEN_RESTART}` },
  GUEST_MALFORMED_BATCH: {
    restart: false,
    what: 'source produced a batch or message Iggy would refuse',
    action: `fix the source (a restart would produce the same batch), ${THEN_RESTART}`,
  },
  COMPONENT_FORMAT: {
    restart: false,
    what: 'file is not a WebAssembly component',
    action: `point path at a component built for the sink-connector or source-connector world (a core module does not do), ${THEN_RESTART}`,
  },
  COMPONENT_WORLD: {
    restart: false,
    what: 'component exports the wrong world',
    action: `build it for the world of its kind (sink-connector or source-connector), ${THEN_RESTART}`,
  },
  COMPONENT_IMPORTS: {
    restart: false,
    what: 'component imports what the host does not provide',
    action: `remove those imports from the guest, ${THEN_RESTART}`,
  },
  COMPONENT_LIMITS: {
    restart: false,
    what: 'component has resources the sandbox cannot bound',
    action: `rebuild the component without what the message names (shared or 64-bit memories, 64-bit tables, GC types, modules instantiated twice), ${THEN_RESTART}`,
  },
  COMPONENT_TRANSPILE: {
    restart: false,
    what: 'component cannot be transpiled',
    action: `rebuild the component (or delete the transpile cache entry the message names), ${THEN_RESTART}`,
  },
  WORKER_STUCK: {
    restart: false,
    what: 'worker blocked in a system call after termination',
    action:
      "restart the runtime (the blocked thread is released only with the process), and report it: the host calls known to block (file system, network) run off the connector's thread",
  },
  HOST_GRANT: {
    restart: false,
    what: 'a permission grant cannot be honoured',
    action: `fix the connector's [permissions] or [limits] as the message says, ${THEN_RESTART}`,
  },
  IGGY_ARGUMENT: {
    restart: false,
    what: 'a request the client cannot encode',
    action: `fix the value the message names (config or source output), ${THEN_RESTART}`,
  },
  IGGY_WIRE_MALFORMED: { restart: false, what: 'a request the codec refused', action: `fix the value the message names, ${THEN_RESTART}` },
};

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Every status of `iggy_common::IggyError` (runtime/iggy/errors.ts), in classes. A status the table
 * does not list (a newer server's) is restarted. test/pipeline/failure-table.test.ts checks that
 * every known status is in exactly one class and that docs/pipelines.md lists the same classes.
 */
export const IGGY_STATUS_RULES: readonly (Rule & { statuses: readonly number[] })[] = [
  {
    restart: true,
    what: 'connection and session lost',
    statuses: [8, 9, 30, 31, 40, 61, 63, 100, 101, 206, 14000, 14001],
    action: `${RESTARTING}; the client reconnects and logs in again`,
  },
  {
    restart: true,
    what: 'server busy or not committed yet',
    statuses: [57, 58, 59, 12001],
    action: `${RESTARTING}; retried in place first`,
  },
  {
    restart: true,
    what: "server's own storage or internal error",
    statuses: [
      1,
      ...range(10, 16),
      19,
      ...range(1000, 1008),
      1011,
      1015,
      ...range(2000, 2009),
      2017,
      2020,
      ...range(3000, 3006),
      ...range(3009, 3013),
      3020,
      3023,
      4000,
      4001,
      ...range(4003, 4008),
      ...range(4010, 4016),
      4020,
      4021,
      4026,
      4102,
      ...range(6000, 6004),
      ...range(7000, 7004),
      9000,
      ...range(10000, 10013),
      11000,
      11001,
      12000,
      13000,
      76,
      79,
    ],
    action: `${RESTARTING}; look at the Iggy server's log`,
  },
  {
    restart: true,
    what: 'stream, topic, group or member gone or raced',
    statuses: [20, 1009, 1010, 1012, 2010, 2011, 2013, 3021, 3022, 4100, 5000, 5003, 5004, 5006, 5007, 5008, 5009],
    action: `${RESTARTING}; it creates or joins what is missing again`,
  },
  {
    restart: true,
    what: 'SDK-side producer and other-transport errors (not met over TCP)',
    statuses: [21, 32, 36, ...range(300, 306), ...range(400, 404), ...range(4050, 4057)],
    action: RESTARTING,
  },
  {
    restart: false,
    what: 'credentials refused or permission denied',
    statuses: [41, 42, 43, 44, 45, 47, 53, 54, 73, 74, 75, 77, 78],
    action: `fix [iggy] username/password or token, or grant that user the permission the command needs, ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: 'invalid name, id or topic setting',
    statuses: [6, 1013, 1014, 1019, 2014, 2016, 2018, 2019, 3007, 3008, 4002, 5002, 5005],
    action: `fix the stream, topic, partition or consumer_group value in the connector's config (names are 1..255 bytes; partition ids are 0-based), ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: 'option, command or protocol the server does not support',
    statuses: [2, 3, 4, 5, 7, 4041, 4042, 4043, 14003],
    action: `the server is of another line than this client expects: drop the option the message names or use a server of the 0.9.x line (docs/iggy-protocol.md), ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: "server's configured limits reached",
    statuses: [52, 55, 1020, 2015, 2021, 3024],
    action: `raise the limit in the server's config or remove what is unused, ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: 'message refused by the server',
    statuses: [80, 81, 82, 83, 84, 209, 4009, ...range(4017, 4019), ...range(4022, 4025), ...range(4027, 4040), 4101],
    action: `fix what the source produces (headers, sizes, timestamps; the message names it), ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: 'client TLS, address or encryption settings',
    statuses: [33, 34, 35, 37, 64, 65, 66, 67, 70, 71, 72, 8000],
    action: `fix [iggy] address or [iggy.tls], ${THEN_RESTART}`,
  },
  {
    restart: false,
    what: 'user and token management (never sent by a connector)',
    statuses: [46, 48, 49, 50, 51, 56],
    action: `fix the request the message names, ${THEN_RESTART}`,
  },
];

const RULE_BY_STATUS = new Map<number, Rule>(IGGY_STATUS_RULES.flatMap((rule) => rule.statuses.map((s) => [s, rule] as const)));
const UNKNOWN: Rule = { restart: true, what: 'crash or unclassified error', action: RESTARTING };

/**
 * Classifies a live error or a serialized one (`{ code, status }`): whether a restart may heal
 * it, and what to do. Iggy statuses by number, runtime errors by code, anything else restarts.
 */
export function classifyFailure(error: unknown): FailureClass {
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  if (code === IGGY_STATUS && typeof status === 'number') {
    const rule = RULE_BY_STATUS.get(status) ?? UNKNOWN;
    return { restart: rule.restart, rule: `Iggy ${status}`, action: rule.action };
  }
  const rule = typeof code === 'string' ? ERROR_CODE_RULES[code] : undefined;
  if (rule) return { restart: rule.restart, rule: code as string, action: rule.action };
  return { restart: true, rule: typeof code === 'string' ? code : 'no code', action: UNKNOWN.action };
}

/** Whether restarting the connector may help: not for bad config, a bad component, refused credentials or a `stop` policy. */
export function isRestartable(error: unknown): boolean {
  return classifyFailure(error).restart;
}
