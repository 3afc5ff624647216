// The control block one connector shares with the supervisor: which guest call runs since when,
// and the guest's memory, readable from the main thread while a call blocks the worker.
/** Guest calls the watchdog times; the numbers live in the control block. */
export const GuestCall = { none: 0, open: 1, consume: 2, poll: 3, close: 4 } as const;
export type GuestCallName = Exclude<keyof typeof GuestCall, 'none'>;
export const guestCallName = (code: number): GuestCallName | 'none' =>
  (Object.keys(GuestCall) as (keyof typeof GuestCall)[]).find((k) => GuestCall[k] === code) ?? 'none';

/** Slots of the BigInt64Array over the control block. */
export const Control = { callStartedMs: 0, callKind: 1, guestMemoryBytes: 2, slots: 4 } as const;

export const newControlBlock = (): SharedArrayBuffer => new SharedArrayBuffer(Control.slots * 8);
