// Human-written durations ("5ms", "1.5s", "1h 30m") and sizes ("64 MiB", "1GB"),
// parsed to milliseconds and bytes. Bare integers mean ms and bytes.

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  nsec: 1e-6,
  nanos: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  usec: 1e-3,
  micros: 1e-3,
  ms: 1,
  msec: 1,
  millis: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*/gy;

/** Milliseconds, or undefined when `value` is neither a non-negative number nor a duration string. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let at = 0;
  // Several parts may follow each other ("1h 30m"), as Iggy's own duration syntax allows.
  for (let m = DURATION_PART.exec(text); m; m = DURATION_PART.exec(text)) {
    const unit = DURATION_UNITS_MS[m[2]];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    at = DURATION_PART.lastIndex;
  }
  return at === text.length ? total : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Bytes, or undefined when `value` is neither a non-negative integer nor a size string giving whole bytes. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Number(m[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
