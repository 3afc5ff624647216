// The `iggy:connector/sink-results` import: lets a sink's `consume` name the
// messages of its batch that failed (a bulk API that accepted the rest), so the
// pipeline dead-letters or retries exactly those and commits the others.
import { RuntimeError } from '../errors.js';
import type { ConnectorErrorKind } from './errors.js';
import { capGuestText } from './guest-text.js';

/** One message of the batch in hand that the guest says failed. */
export interface MessageFailure {
  /** Index entry in the batch given to that `consume` call. */
  entry: number;
  kind: ConnectorErrorKind;
  message: string;
}

/** The guest broke the import's rules (outside `consume`, an entry outside the batch); thrown into the guest, which traps. */
export class SinkResultsMisuseError extends RuntimeError {
  constructor(message: string) {
    super('GUEST_SINK_RESULTS_MISUSE', message);
  }
}

/** The WIT record `message-failure` as jco lifts it. */
interface WitMessageFailure {
  entry: number;
  error: { tag: string; val: unknown };
}

const KINDS: ReadonlySet<string> = new Set<ConnectorErrorKind>(['invalid-config', 'transient', 'permanent']);
const NONE: readonly MessageFailure[] = Object.freeze([]);

/** Collects the failures one `consume` call reports; one per guest instance. */
export class SinkResults {
  /** Messages in the batch of the call in progress; -1 outside `consume`. */
  #count = -1;
  // Keyed by entry: a message named twice keeps its first failure, so what is kept never exceeds the batch.
  #failures = new Map<number, MessageFailure>();

  readonly imports = {
    'iggy:connector/sink-results': {
      failMessages: (failures: WitMessageFailure[]): void => this.#report(failures),
    },
  };

  /** Called right before `consume` with the batch's message count. */
  begin(count: number): void {
    this.#count = count;
    this.#failures.clear();
  }

  /** Called after `consume` returned or threw: what it reported, in entry order (the shared empty array when nothing). */
  end(): readonly MessageFailure[] {
    this.#count = -1;
    if (this.#failures.size === 0) return NONE;
    const out = [...this.#failures.values()].sort((a, b) => a.entry - b.entry);
    this.#failures.clear();
    return out;
  }

  #report(failures: WitMessageFailure[]): void {
    if (this.#count < 0) throw new SinkResultsMisuseError('sink-results.fail-messages was called outside consume; it names messages of the batch in hand');
    for (const f of failures) {
      if (!Number.isInteger(f.entry) || f.entry < 0 || f.entry >= this.#count) {
        throw new SinkResultsMisuseError(
          `sink-results.fail-messages named entry ${f.entry} of a batch of ${this.#count} message(s); entries are 0-based positions in the batch`,
        );
      }
      if (this.#failures.has(f.entry)) continue;
      const kind = KINDS.has(f.error.tag) ? (f.error.tag as ConnectorErrorKind) : 'permanent';
      this.#failures.set(f.entry, { entry: f.entry, kind, message: capGuestText(typeof f.error.val === 'string' ? f.error.val : String(f.error.val)) });
    }
  }
}
