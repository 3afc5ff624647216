// wasi:filesystem scoped to the preopens a connector was granted. The guest-facing
// checks (read-only grants, descriptor kinds, dropped descriptors) are made here, on the
// connector's thread; every system call runs on the connector's file I/O thread
// (file-ops.ts walks the paths there), which this thread waits for with a deadline, so a
// hung mount fails the guest's call instead of blocking this thread in the kernel.
// Without grants the guest sees no directories and no file I/O thread is used.
import { GrantError } from '../errors.js';
import { fail } from './fail.js';
import {
  FILE_PAYLOAD_BYTES,
  FileClient,
  FileGrantFailure,
  MAX_GUEST_PATH,
  type DescriptorFlags,
  type DescriptorType,
  type FileDeadline,
  type FileRequest,
  type FileStat,
  type OpenedDescriptor,
  type OpenFlags,
} from './file-link.js';
import { InputStream, type IoError, OutputStream } from './io.js';

import { descriptorOps, Refused } from './file-ops.js';

export { MAX_OPEN_FILES } from './file-ops.js';

export interface PreopenGrant {
  hostPath: string;
  guestPath: string;
  readOnly: boolean;
}

interface PathFlags {
  symlinkFollow?: boolean;
}

/** Where the guest's file calls run: a connector's file I/O thread (file-link.ts). */
export interface FileLink {
  block: SharedArrayBuffer;
  /**
   * The link serves one connector, which runs one instance at a time: a new instance
   * closes whatever earlier ones left open (one killed mid-call never closed its files).
   */
  exclusive: boolean;
}

const timestamp = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: Math.floor((ms % 1000) * 1e6) });

function descriptorStat(stat: FileStat) {
  return {
    type: stat.type,
    linkCount: BigInt(stat.nlink),
    size: BigInt(stat.size),
    dataAccessTimestamp: timestamp(stat.atimeMs),
    dataModificationTimestamp: timestamp(stat.mtimeMs),
    statusChangeTimestamp: timestamp(stat.ctimeMs),
  };
}

const symbolDispose: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** A guest path joined to the guest-visible name of a directory, for messages only (the walk never uses it). */
const joinName = (dir: string, path: string): string => (path === '' || path === '.' ? dir : `${dir.replace(/\/$/, '')}/${path}`);

/** What every descriptor of one instance shares. */
interface Scope {
  client: FileClient;
  /** Descriptors dropped or never handed out: their numbers must not be used again. */
  live: Set<number>;
}

/** Runs a call on a local file from this thread, with its errno as the guest's error-code. */
function direct<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    if (err instanceof Refused) fail(err.code);
    throw err;
  }
}

/** A request for `client`, with the text that names it in a hung-mount message. */
type Req = FileRequest extends infer R ? (R extends FileRequest ? Omit<R, 'session' | 'what'> : never) : never;

export class Descriptor {
  readonly #scope: Scope;
  readonly #fd: number;
  readonly #type: DescriptorType;
  /** A regular file on a local file system: its reads and writes run on this thread (file-ops.ts, LOCAL_FILE_SYSTEMS). */
  readonly #local: boolean;
  readonly #flags: DescriptorFlags;
  readonly #readOnly: boolean;
  /** The guest-visible path, and the preopen's host directory, for messages. */
  readonly #name: string;
  readonly #host: string;
  /** A preopen lives as long as the instance, whatever the guest drops. */
  readonly #preopen: boolean;
  #released = false;

  constructor(scope: Scope, at: OpenedDescriptor, flags: DescriptorFlags, grant: { readOnly: boolean; name: string; host: string }, preopen = false) {
    this.#scope = scope;
    this.#fd = at.fd;
    this.#type = at.type;
    this.#local = at.local;
    this.#flags = flags;
    this.#readOnly = grant.readOnly;
    this.#name = grant.name;
    this.#host = grant.host;
    this.#preopen = preopen;
  }

  #liveFd(): number {
    if (this.#released || !this.#scope.live.has(this.#fd)) fail('bad-descriptor');
    return this.#fd;
  }

  #call(req: Req, what: string, fill?: (payload: Buffer) => number) {
    return this.#scope.client.call({ ...req, session: this.#scope.client.session, what: `${what} (preopen on host ${this.#host})` } as FileRequest, fill);
  }

  /** Checks a path argument here too, so an oversized one never reaches the shared block. */
  #dirPath(path: string): number {
    if (this.#type !== 'directory') fail('not-directory');
    if (path.startsWith('/') || path.includes('\0')) fail('not-permitted');
    if (path.length > MAX_GUEST_PATH) fail('name-too-long');
    return this.#liveFd();
  }

  #requireWritable(): void {
    if (this.#readOnly) fail('read-only');
  }

  #requireFile(): number {
    if (this.#type === 'directory') fail('is-directory');
    return this.#liveFd();
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const wantsWrite = flags.write === true || flags.mutateDirectory === true || openFlags.create === true || openFlags.truncate === true;
    if (wantsWrite) this.#requireWritable();
    const dir = this.#dirPath(path);
    const name = joinName(this.#name, path);
    const { value } = this.#call(
      { op: 'open', dir, path, follow: pathFlags.symlinkFollow !== false, open: { ...openFlags }, flags: { ...flags } },
      `open of "${name}"`,
    );
    const opened = value as OpenedDescriptor;
    this.#scope.live.add(opened.fd);
    return new Descriptor(this.#scope, opened, flags, { readOnly: this.#readOnly, name, host: this.#host });
  }

  /** Reads at most `len` bytes (and FILE_PAYLOAD_BYTES) at `position`: one request, copied out of the shared block. */
  #readAt(fd: number, len: number, position: number): Uint8Array {
    if (this.#local) {
      const buf = Buffer.allocUnsafe(Math.min(len, FILE_PAYLOAD_BYTES));
      const n = direct(() => descriptorOps.read(fd, buf, buf.length, position));
      return buf.subarray(0, n);
    }
    const { payload } = this.#call({ op: 'read', fd, length: Math.min(len, FILE_PAYLOAD_BYTES), offset: position }, `read of "${this.#name}"`);
    return new Uint8Array(payload);
  }

  /** Writes `bytes` in requests of at most FILE_PAYLOAD_BYTES; `offset` undefined = at the end. Returns the bytes written. */
  #writeAll(bytes: Uint8Array, offset: number | undefined, all: boolean): number {
    const fd = this.#liveFd();
    let done = 0;
    if (this.#local) {
      do {
        const n = direct(() => descriptorOps.write(fd, bytes.subarray(done), bytes.length - done, offset === undefined ? undefined : offset + done));
        done += n;
        if (n === 0) break;
      } while (all && done < bytes.length);
      return done;
    }
    do {
      const n = Math.min(bytes.length - done, FILE_PAYLOAD_BYTES);
      const req: Req = offset === undefined ? { op: 'append', fd } : { op: 'write', fd, offset: offset + done };
      const written = this.#call(req, `write to "${this.#name}"`, (payload) => {
        payload.set(bytes.subarray(done, done + n));
        return n;
      }).value as number;
      done += written;
      if (written < n) break;
    } while (all && done < bytes.length);
    return done;
  }

  readViaStream(offset: bigint): InputStream {
    const fd = this.#requireFile();
    let position = Number(offset);
    return new InputStream((len) => {
      this.#liveFd();
      const bytes = this.#readAt(fd, len, position);
      if (bytes.length === 0 && len > 0) return undefined;
      position += bytes.length;
      return bytes;
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    this.#requireWritable();
    this.#requireFile();
    let position = Number(offset);
    return new OutputStream((bytes) => {
      position += this.#writeAll(bytes, position, true);
    });
  }

  appendViaStream(): OutputStream {
    this.#requireWritable();
    this.#requireFile();
    return new OutputStream((bytes) => {
      this.#writeAll(bytes, undefined, true);
    });
  }

  advise(): void {}

  syncData(): void {
    const fd = this.#requireFile();
    if (this.#local) direct(() => descriptorOps.datasync(fd));
    else this.#call({ op: 'datasync', fd }, `sync of "${this.#name}"`);
  }

  sync(): void {
    const fd = this.#liveFd();
    if (this.#local) direct(() => descriptorOps.sync(fd));
    else this.#call({ op: 'sync', fd }, `sync of "${this.#name}"`);
  }

  getFlags(): DescriptorFlags {
    return { ...this.#flags };
  }

  getType(): DescriptorType {
    return this.#type;
  }

  setSize(size: bigint): void {
    this.#requireWritable();
    const fd = this.#requireFile();
    if (this.#local) direct(() => descriptorOps.truncate(fd, Number(size)));
    else this.#call({ op: 'truncate', fd, size: Number(size) }, `truncate of "${this.#name}"`);
  }

  setTimes(): never {
    return fail('not-permitted');
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const fd = this.#requireFile();
    // The guest picks the length: the host reads (and allocates) at most FILE_PAYLOAD_BYTES; a short read is allowed.
    const want = length < BigInt(FILE_PAYLOAD_BYTES) ? Number(length) : FILE_PAYLOAD_BYTES;
    const bytes = this.#readAt(fd, want, Number(offset));
    return [bytes, bytes.length < want];
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    this.#requireWritable();
    this.#requireFile();
    // One request: a write larger than the shared block is a short write, which WASI allows.
    return BigInt(this.#writeAll(buffer, Number(offset), false));
  }

  readDirectory(): DirectoryEntryStream {
    if (this.#type !== 'directory') fail('not-directory');
    const fd = this.#liveFd();
    return new DirectoryEntryStream((skip) => {
      this.#liveFd();
      const { value, payload } = this.#call({ op: 'readdir', fd, skip }, `listing of "${this.#name}"`);
      return { entries: JSON.parse(payload.toString('utf8')) as [string, DescriptorType][], more: (value as { more: boolean }).more };
    });
  }

  stat() {
    return descriptorStat(this.#fstat());
  }

  #fstat(): FileStat {
    const fd = this.#liveFd();
    if (this.#local) return direct(() => descriptorOps.fstat(fd));
    return this.#call({ op: 'fstat', fd }, `stat of "${this.#name}"`).value as FileStat;
  }

  statAt(pathFlags: PathFlags, path: string) {
    return descriptorStat(this.#statAt(pathFlags, path));
  }

  #statAt(pathFlags: PathFlags, path: string): FileStat {
    const dir = this.#dirPath(path);
    return this.#call({ op: 'stat-at', dir, path, follow: pathFlags.symlinkFollow !== false }, `stat of "${joinName(this.#name, path)}"`).value as FileStat;
  }

  setTimesAt(): never {
    return fail('not-permitted');
  }

  linkAt(): never {
    return fail('not-permitted');
  }

  symlinkAt(): never {
    return fail('not-permitted');
  }

  readlinkAt(): never {
    return fail('not-permitted');
  }

  createDirectoryAt(path: string): void {
    this.#requireWritable();
    this.#call({ op: 'mkdir', dir: this.#dirPath(path), path }, `mkdir of "${joinName(this.#name, path)}"`);
  }

  removeDirectoryAt(path: string): void {
    this.#requireWritable();
    this.#call({ op: 'rmdir', dir: this.#dirPath(path), path }, `rmdir of "${joinName(this.#name, path)}"`);
  }

  unlinkFileAt(path: string): void {
    this.#requireWritable();
    this.#call({ op: 'unlink', dir: this.#dirPath(path), path }, `unlink of "${joinName(this.#name, path)}"`);
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    this.#requireWritable();
    newDescriptor.#requireWritable();
    if (newDescriptor.#scope !== this.#scope) fail('cross-device');
    const dir = this.#dirPath(oldPath);
    const toDir = newDescriptor.#dirPath(newPath);
    this.#call(
      { op: 'rename', dir, path: oldPath, toDir, toPath: newPath },
      `rename of "${joinName(this.#name, oldPath)}" to "${joinName(newDescriptor.#name, newPath)}"`,
    );
  }

  isSameObject(other: Descriptor): boolean {
    const a = this.#fstat();
    const b = other.#fstat();
    return a.dev === b.dev && a.ino === b.ino;
  }

  metadataHash() {
    const s = this.#fstat();
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  metadataHashAt(pathFlags: PathFlags, path: string) {
    const s = this.#statAt(pathFlags, path);
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  [symbolDispose](): void {
    if (this.#preopen || this.#released) return;
    this.#released = true;
    if (!this.#scope.live.delete(this.#fd)) return;
    try {
      this.#call({ op: 'drop', fd: this.#fd }, `close of "${this.#name}"`);
    } catch {
      // A close the mount does not answer: the descriptor is gone for the guest; the instance's end closes it.
    }
  }
}

/** Directory entries, fetched a page at a time from the file I/O thread. */
export class DirectoryEntryStream {
  readonly #next: (skip: number) => { entries: [string, DescriptorType][]; more: boolean };
  #page: [string, DescriptorType][] = [];
  #seen = 0;
  #more = true;

  constructor(next: (skip: number) => { entries: [string, DescriptorType][]; more: boolean }) {
    this.#next = next;
  }

  readDirectoryEntry(): { name: string; type: DescriptorType } | undefined {
    if (this.#page.length === 0 && this.#more) {
      const { entries, more } = this.#next(this.#seen);
      this.#page = entries;
      this.#more = more && entries.length > 0;
    }
    const entry = this.#page.shift();
    if (!entry) return undefined;
    this.#seen++;
    return { name: entry[0], type: entry[1] };
  }
}

export interface FilesystemImports {
  imports: Record<string, Record<string, unknown>>;
  /** The failure that ended file access (a file operation that did not answer, the file I/O thread gone), if one did. */
  failure(): Error | undefined;
  /** Closes every descriptor the instance holds (on the file I/O thread). */
  close(): void;
}

/**
 * The imports of one instance. Each preopen is opened now, on the file I/O thread,
 * once: a preopen given as a symlink is resolved now, and later changes to that
 * symlink do not move the guest's root.
 */
export function filesystemImports(grants: readonly PreopenGrant[], link: FileLink | undefined, deadline: FileDeadline): FilesystemImports {
  const types = (extra: Record<string, unknown>) => ({
    'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode: (_err: IoError): string | undefined => undefined },
    ...extra,
  });
  if (grants.length === 0) {
    return { imports: types({ 'wasi:filesystem/preopens': { getDirectories: () => [] } }), failure: () => undefined, close: () => {} };
  }
  if (!link) throw new GrantError('filesystem grants need a file I/O thread; none was given');
  const client = new FileClient(link.block, deadline);
  const scope: Scope = { client, live: new Set() };
  const what = `opening the preopens ${grants.map((g) => `"${g.hostPath}"`).join(', ')}`;
  let fds: number[];
  try {
    fds = client.call({ op: 'begin', session: client.session, what, hostPaths: grants.map((g) => g.hostPath), closeOthers: link.exclusive }).value as number[];
  } catch (err) {
    if (err instanceof FileGrantFailure) throw new GrantError(err.message);
    throw err;
  }
  for (const fd of fds) scope.live.add(fd);
  const preopens: [Descriptor, string][] = grants.map((g, i) => [
    new Descriptor(
      scope,
      { fd: fds[i]!, type: 'directory', local: false },
      { read: true, write: !g.readOnly },
      { readOnly: g.readOnly, name: g.guestPath, host: g.hostPath },
      true,
    ),
    g.guestPath,
  ]);
  let closed = false;
  return {
    imports: types({ 'wasi:filesystem/preopens': { getDirectories: () => preopens.slice() } }),
    failure: () => client.failure,
    close() {
      if (closed) return;
      closed = true;
      scope.live.clear();
      try {
        client.call({
          op: 'end',
          session: client.session,
          what: `closing the files of an instance (preopens ${grants.map((g) => `"${g.hostPath}"`).join(', ')})`,
        });
      } catch {
        // The file I/O thread is blocked: on a connector's link the next instance closes them (`exclusive`);
        // elsewhere (tests, the conformance kit) they stay open until the process ends.
      }
    },
  };
}
