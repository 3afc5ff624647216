// The root of every error the runtime raises on purpose. Each subsystem defines
// its own subclasses next to its code; `code` is stable and documented so that
// callers and logs can match on it rather than on message text.

export class RuntimeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
