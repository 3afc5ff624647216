// How a host import reports a WIT `result::err` to the guest: jco lowers a thrown
// value that carries `payload` as err(payload); a thrown Error would be a trap.

export interface ErrPayload {
  readonly payload: unknown;
}

export function fail(payload: unknown): never {
  const err: ErrPayload = { payload };
  throw err;
}
