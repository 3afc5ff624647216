// Personal access token bodies (requests/personal_access_tokens, responses/personal_access_tokens).
import { WireReader, WireWriter } from './cursor.js';

/** CreatePersonalAccessToken (42): `[name: WireName][expiry: u64]`; expiry 0 = never expires, otherwise µs of lifetime. */
export function encodeCreatePersonalAccessToken(args: { name: string; expiry?: bigint }): Buffer {
  return new WireWriter(32)
    .name(args.name, 'token name')
    .u64(args.expiry ?? 0n)
    .finish();
}

/** The reply: the raw token as a WireName (shown once; the server keeps only its hash). */
export function decodeRawPersonalAccessToken(payload: Buffer): string {
  return new WireReader(payload).name('token');
}

/** DeletePersonalAccessToken (43): `[name: WireName]`. */
export function encodeDeletePersonalAccessToken(name: string): Buffer {
  return new WireWriter(32).name(name, 'token name').finish();
}
