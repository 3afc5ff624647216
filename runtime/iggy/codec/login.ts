// Login bodies (version.rs, requests/users/login_register*.rs, responses/users/login_register.rs):
// a ClientVersionInfo prefix, then username/password or a personal access token.
import { WireReader, WireWriter } from './cursor.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { WireError } from './wire-error.js';

export interface ClientVersionInfo {
  /** Packed protocol version (`major<<20 | minor<<10 | patch`). */
  protocolVersion: number;
  sdkName: string;
  sdkVersion: string;
}

export const defaultVersionInfo = (sdkVersion = '0.1.0'): ClientVersionInfo => ({
  protocolVersion: PROTOCOL_VERSION,
  sdkName: 'iggy-connectors-ts',
  sdkVersion,
});

function writeVersionInfo(w: WireWriter, v: ClientVersionInfo): void {
  w.u32(v.protocolVersion).name(v.sdkName, 'sdk name').name(v.sdkVersion, 'sdk version');
}

function writeContext(w: WireWriter, context: string | undefined): void {
  if (context === undefined || context.length === 0) w.u32(0);
  else w.longString(context);
}

/** Body of LoginRegister (code 40): `[version info][username:name][password_len:u8][password][context_len:u32][context]`. */
export function encodeLoginRegister(args: { version: ClientVersionInfo; username: string; password: string; context?: string }): Buffer {
  const w = new WireWriter(64);
  writeVersionInfo(w, args.version);
  w.name(args.username, 'username');
  const password = Buffer.from(args.password, 'utf8');
  if (password.length > 255) throw new WireError('password is longer than 255 bytes');
  w.u8(password.length).bytes(password);
  writeContext(w, args.context);
  return w.finish();
}

/** Body of LoginRegisterWithPat (code 45): `[version info][token_len:u8][token][context_len:u32][context]`. */
export function encodeLoginRegisterWithToken(args: { version: ClientVersionInfo; token: string; context?: string }): Buffer {
  const w = new WireWriter(64);
  writeVersionInfo(w, args.version);
  const token = Buffer.from(args.token, 'utf8');
  if (token.length > 255) throw new WireError('personal access token is longer than 255 bytes');
  w.u8(token.length).bytes(token);
  writeContext(w, args.context);
  return w.finish();
}

/** Decodes the version prefix; `length` is where the credentials start. */
export function decodeVersionInfo(body: Buffer): { info: ClientVersionInfo; length: number } {
  const r = new WireReader(body);
  const protocolVersion = r.u32('protocol version');
  const sdkName = r.name('sdk name');
  const sdkVersion = r.name('sdk version');
  return { info: { protocolVersion, sdkName, sdkVersion }, length: r.pos };
}

function readContext(r: WireReader): string | undefined {
  const n = r.u32('client context length');
  return n > 0 ? r.utf8(n, 'client context') : undefined;
}

/** The password shape after the version prefix (throws WireError when the bytes do not fit it). */
export function decodePasswordCredentials(tail: Buffer): { username: string; password: string; context?: string } {
  const r = new WireReader(tail);
  const username = r.name('username');
  const password = r.utf8(r.u8('password length'), 'password');
  const context = readContext(r);
  return context === undefined ? { username, password } : { username, password, context };
}

/** The token shape after the version prefix. */
export function decodeTokenCredentials(tail: Buffer): { token: string; context?: string } {
  const r = new WireReader(tail);
  const token = r.utf8(r.u8('token length'), 'token');
  const context = readContext(r);
  return context === undefined ? { token } : { token, context };
}

export interface LoginReply {
  userId: number;
  /** Session to echo in every later request header. */
  session: bigint;
  serverProtocolVersion: number;
  serverVersion: string;
}

/** Login reply payload (after the result section): `[user_id:u32][session:u64][protocol:u32][server_version:name]`. */
export function encodeLoginReply(reply: LoginReply): Buffer {
  return new WireWriter(32).u32(reply.userId).u64(reply.session).u32(reply.serverProtocolVersion).name(reply.serverVersion, 'server version').finish();
}

export function decodeLoginReply(payload: Buffer): LoginReply {
  const r = new WireReader(payload);
  return {
    userId: r.u32('user id'),
    session: r.u64('session'),
    serverProtocolVersion: r.u32('server protocol version'),
    serverVersion: r.name('server version'),
  };
}
