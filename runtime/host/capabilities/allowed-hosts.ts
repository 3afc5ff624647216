// Matches a network destination against `permissions.allowed_hosts`: the only
// gate between a guest and the network, checked on the host before any I/O.

/** One `allowed_hosts` entry: "host", "host:port", "*.domain:port", "[::1]:port" or "*". */
interface HostPattern {
  /** Lower-case host, or a suffix starting with "." for "*.domain", or "*" for any host. */
  host: string;
  /** Undefined: any port. */
  port: number | undefined;
}

function parsePattern(text: string): HostPattern {
  const t = text.trim().toLowerCase();
  let host = t;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else {
    const colon = t.lastIndexOf(':');
    // A second colon means a bare IPv6 address, which has no port part.
    if (colon > 0 && t.indexOf(':') === colon) {
      host = t.slice(0, colon);
      const p = t.slice(colon + 1);
      // A malformed port (empty, not a number) matches nothing rather than everything.
      port = p === '*' ? undefined : /^\d{1,5}$/.test(p) ? Number(p) : -1;
    }
  }
  if (host.startsWith('*.')) host = host.slice(1);
  return { host, port };
}

export class AllowedHosts {
  readonly #patterns: HostPattern[];
  /** As written in the config, for messages. */
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = entries;
    this.#patterns = entries.map(parsePattern);
  }

  /** `host` as in a URL (IPv6 with or without brackets), `port` already defaulted by scheme. */
  allows(host: string, port: number): boolean {
    const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    return this.#patterns.some((p) => {
      if (p.port !== undefined && p.port !== port) return false;
      if (p.host === '*') return true;
      if (p.host.startsWith('.')) return h.endsWith(p.host) && h.length > p.host.length;
      return p.host === h;
    });
  }

  /** The guest-visible explanation of a refusal, naming what to change. */
  denial(host: string, port: number): string {
    const now = this.entries.length === 0 ? 'it is empty' : `it holds ${this.entries.map((e) => JSON.stringify(e)).join(', ')}`;
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `${h}:${port} is not allowed: add "${h}:${port}" to this connector's permissions.allowed_hosts (${now})`;
  }
}
