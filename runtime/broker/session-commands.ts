// Login (Register), logout and the connection-level reads: the version gate, the root user,
// and the Eviction frames a real 0.11 server sends on a refused login.
import {
  EvictionReason,
  Operation,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_MIN,
  type RequestHeader,
  decodePasswordCredentials,
  decodeTokenCredentials,
  decodeVersionInfo,
  encodeEviction,
  encodeLoginReply,
  isProtocolCompatible,
  resultOk,
} from '../iggy/codec/index.js';
import type { BrokerContext, Connection, Outcome } from './context.js';
import { leaveAllGroups } from './group-commands.js';

export const ROOT_USER = { id: 0, username: 'iggy', password: 'iggy' } as const;
/** Server version the broker reports (the Iggy server line that speaks protocol 0.11). */
export const SERVER_VERSION = '0.9.0-dev-broker';

function eviction(req: RequestHeader, reason: number, window = false): Outcome {
  return {
    frame: encodeEviction({
      client: req.client,
      reason,
      serverProtocolVersion: window ? PROTOCOL_VERSION : 0,
      serverProtocolVersionMin: window ? PROTOCOL_VERSION_MIN : 0,
    }),
  };
}

function loggedIn(ctx: BrokerContext, conn: Connection, req: RequestHeader, userId: number): Outcome {
  if (conn.userId === undefined) {
    conn.userId = userId;
    conn.session = ctx.nextSession();
  }
  conn.vsrClient = req.client;
  const payload = encodeLoginReply({ userId: conn.userId, session: conn.session, serverProtocolVersion: PROTOCOL_VERSION, serverVersion: SERVER_VERSION });
  return { body: resultOk(payload) };
}

/** Register: version prefix gate, then password shape, then token shape (as the server tries them). */
export function login(ctx: BrokerContext, conn: Connection, req: RequestHeader, body: Buffer): Outcome {
  let prefix: ReturnType<typeof decodeVersionInfo>;
  try {
    prefix = decodeVersionInfo(body);
  } catch {
    return eviction(req, EvictionReason.MalformedLogin);
  }
  if (!isProtocolCompatible(prefix.info.protocolVersion)) {
    ctx.logger.warn(
      { client: conn.id, protocolVersion: prefix.info.protocolVersion, sdk: prefix.info.sdkName },
      'login refused: incompatible protocol version',
    );
    return eviction(req, EvictionReason.IncompatibleProtocol, true);
  }
  const tail = body.subarray(prefix.length);
  let rejected = false;
  try {
    const creds = decodePasswordCredentials(tail);
    if (creds.username === ROOT_USER.username && creds.password === ROOT_USER.password) return loggedIn(ctx, conn, req, ROOT_USER.id);
    rejected = true;
  } catch {
    // not the password shape; try the token shape
  }
  try {
    decodeTokenCredentials(tail);
    // The broker issues no personal access tokens, so every token is unknown.
    return eviction(req, EvictionReason.InvalidToken);
  } catch {
    // neither shape
  }
  return eviction(req, rejected ? EvictionReason.InvalidCredentials : EvictionReason.MalformedLogin);
}

/** Logout: unbinds the session; the reply is empty with operation Logout. */
export function logout(ctx: BrokerContext, conn: Connection): Outcome {
  leaveAllGroups(ctx, conn);
  conn.userId = undefined;
  conn.session = 0n;
  return { operation: Operation.Logout };
}
