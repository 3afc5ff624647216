// Routes one request frame to its handler and builds the reply frame: the auth gate, the
// session check, error statuses (a refusal is a status with an empty body), result sections.
import { xxh3 } from '@node-rs/xxhash';
import { Code, HEADER_SIZE, Operation, Status, WireError, decodeRequestHeader, encodeReply, isResultFramed, type RequestHeader } from '../iggy/codec/index.js';
import { BrokerError } from './broker-error.js';
import type { BrokerContext, Connection, Outcome } from './context.js';
import * as groups from './group-commands.js';
import * as messages from './message-commands.js';
import * as metadata from './metadata-commands.js';
import { login, logout } from './session-commands.js';

type Handler = (ctx: BrokerContext, conn: Connection, body: Buffer) => Outcome;

const HANDLERS = new Map<number, Handler>([
  [Code.Ping, () => ({})],
  [Code.GetStats, (ctx) => metadata.getStats(ctx)],
  [Code.GetClusterMetadata, (ctx) => metadata.getClusterMetadata(ctx)],
  [Code.GetMe, (ctx, conn) => metadata.getMe(ctx, conn)],
  [Code.GetClient, (ctx, _c, body) => metadata.getClient(ctx, body)],
  [Code.GetClients, (ctx) => metadata.listClients(ctx)],
  [Code.LogoutUser, (ctx, conn) => logout(ctx, conn)],
  [Code.GetStream, (ctx, _c, body) => metadata.getStream(ctx, body)],
  [Code.GetStreams, (ctx) => metadata.listStreams(ctx)],
  [Code.CreateStream, (ctx, _c, body) => metadata.createStream(ctx, body)],
  [Code.DeleteStream, (ctx, _c, body) => metadata.deleteStream(ctx, body)],
  [Code.GetTopic, (ctx, _c, body) => metadata.getTopic(ctx, body)],
  [Code.GetTopics, (ctx, _c, body) => metadata.listTopics(ctx, body)],
  [Code.CreateTopic, (ctx, _c, body) => metadata.createTopic(ctx, body)],
  [Code.DeleteTopic, (ctx, _c, body) => metadata.deleteTopic(ctx, body)],
  [Code.SendMessages, (ctx, _c, body) => messages.sendMessages(ctx, body)],
  [Code.PollMessages, (ctx, conn, body) => messages.pollMessages(ctx, conn, body)],
  [Code.FlushUnsavedBuffer, () => ({})],
  [Code.GetConsumerOffset, (ctx, _c, body) => messages.getConsumerOffset(ctx, body)],
  [Code.StoreConsumerOffset, (ctx, _c, body) => messages.storeConsumerOffset(ctx, body)],
  [Code.DeleteConsumerOffset, (ctx, _c, body) => messages.deleteConsumerOffset(ctx, body)],
  [Code.GetConsumerGroup, (ctx, _c, body) => groups.getGroup(ctx, body)],
  [Code.GetConsumerGroups, (ctx, _c, body) => groups.listGroups(ctx, body)],
  [Code.CreateConsumerGroup, (ctx, _c, body) => groups.createGroup(ctx, body)],
  [Code.DeleteConsumerGroup, (ctx, _c, body) => groups.deleteGroup(ctx, body)],
  [Code.JoinConsumerGroup, (ctx, conn, body) => groups.joinGroup(ctx, conn, body)],
  [Code.LeaveConsumerGroup, (ctx, conn, body) => groups.leaveGroup(ctx, conn, body)],
  [Code.SyncConsumerGroup, (ctx, conn, body) => groups.syncGroup(ctx, conn, body)],
]);

/** A real 0.9/0.11 server answers CreateTopic under CreateTopicWithAssignments. */
const replyOperation = (operation: number): number => (operation === Operation.CreateTopic ? Operation.CreateTopicWithAssignments : operation);

/** Thrown when a frame is not a request we can even answer; the connection is then closed. */
export class UnanswerableFrameError extends Error {}

function reply(ctx: BrokerContext, conn: Connection, req: RequestHeader, outcome: Outcome, status = 0): Buffer {
  if (outcome.frame) return outcome.frame;
  return encodeReply(
    {
      client: req.client,
      request: req.request,
      requestChecksum: req.requestChecksum,
      operation: outcome.operation ?? replyOperation(req.operation),
      op: conn.session,
      commit: ctx.commit,
      status,
    },
    status === 0 ? (outcome.body ?? []) : [],
  );
}

/** Answers one request frame; throws UnanswerableFrameError when the header itself is bad. */
export function handleFrame(ctx: BrokerContext, conn: Connection, frame: Buffer): Buffer {
  let req: RequestHeader;
  try {
    // Session rules are checked below against the connection, so a write sent before login
    // gets Unauthenticated rather than a closed connection.
    req = decodeRequestHeader(frame, { checkSession: false });
  } catch (error) {
    throw new UnanswerableFrameError(error instanceof Error ? error.message : String(error));
  }
  const body = frame.subarray(HEADER_SIZE, req.size);
  const refuse = (status: number, why: string): Buffer => {
    ctx.logger.debug({ client: conn.id, code: req.code, status, why }, 'request refused');
    return reply(ctx, conn, req, {}, status);
  };
  // A non-zero request checksum must be XXH3-64 of the body (zero means unstamped), as the server checks.
  if (req.requestChecksum !== 0n && req.requestChecksum !== xxh3.xxh64(body)) return refuse(Status.InvalidFormat, 'request checksum does not match the body');
  if (req.operation === Operation.Register) {
    const outcome = login(ctx, conn, req, body);
    if (!outcome.frame) ctx.commit++;
    return reply(ctx, conn, req, outcome);
  }
  if (conn.userId === undefined && req.code !== Code.Ping) return refuse(Status.Unauthenticated, 'log in first');
  if (req.operation !== Operation.NonReplicated && req.request === 0n) return refuse(Status.InvalidCommand, 'a replicated request must carry request id > 0');
  if (conn.userId !== undefined && req.session !== conn.session && !(req.operation === Operation.NonReplicated && req.session === 0n)) {
    return refuse(Status.Unauthenticated, `session ${req.session} is not this connection's (${conn.session})`);
  }
  const handler = HANDLERS.get(req.code);
  if (!handler) return refuse(Status.InvalidCommand, `command code ${req.code} is not served by the dev broker`);
  try {
    const outcome = handler(ctx, conn, body);
    if (req.operation !== Operation.NonReplicated && isResultFramed(outcome.operation ?? replyOperation(req.operation))) ctx.commit++;
    return reply(ctx, conn, req, outcome);
  } catch (error) {
    if (error instanceof BrokerError || error instanceof WireError) return refuse(error.status, error.message);
    ctx.logger.error({ err: error, client: conn.id, code: req.code }, 'dev broker handler failed');
    return refuse(Status.Error, 'internal error');
  }
}
