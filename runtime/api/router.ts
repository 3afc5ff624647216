// A small method + path table: `/sinks/{key}` style patterns, exact segments,
// percent-decoded parameters. Answers "no such path" and "wrong method" apart.
export type HttpMethod = 'GET' | 'POST';

export interface Reply {
  status: number;
  /** Sent as JSON unless `text` is given. */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (params: Record<string, string>) => Promise<Reply> | Reply;

interface Route {
  method: HttpMethod;
  segments: string[];
  handler: Handler;
}

export type Match = { kind: 'found'; handler: Handler; params: Record<string, string> } | { kind: 'wrong-method'; allowed: HttpMethod[] } | { kind: 'none' };

const split = (path: string): string[] => path.split('/').filter((s) => s.length > 0);

export class Router {
  readonly #routes: Route[] = [];

  add(method: HttpMethod, pattern: string, handler: Handler): this {
    this.#routes.push({ method, segments: split(pattern), handler });
    return this;
  }

  match(method: string, path: string): Match {
    const parts = split(path);
    const allowed: HttpMethod[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const part = parts[i]!;
    if (p.startsWith('{') && p.endsWith('}')) {
      try {
        params[p.slice(1, -1)] = decodeURIComponent(part);
      } catch {
        return undefined; // malformed escape: no connector can have that key
      }
    } else if (p !== part) {
      return undefined;
    }
  }
  return params;
}
