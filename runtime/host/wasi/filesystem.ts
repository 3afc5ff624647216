// wasi:filesystem scoped to the preopens a connector was granted. Every path is
// resolved (symlinks included) and must stay inside its preopen; writes are refused
// on read-only preopens. Without grants the guest sees no directories at all.
import * as fs from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { GrantError } from '../errors.js';
import { fail } from './fail.js';
import { InputStream, IoError, OutputStream } from './io.js';

export interface PreopenGrant {
  hostPath: string;
  guestPath: string;
  readOnly: boolean;
}

type DescriptorType = 'unknown' | 'block-device' | 'character-device' | 'directory' | 'fifo' | 'symbolic-link' | 'regular-file' | 'socket';
interface PathFlags {
  symlinkFollow?: boolean;
}
interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  mutateDirectory?: boolean;
}

const ERRNO_TO_CODE: Record<string, string> = {
  ENOENT: 'no-entry',
  EEXIST: 'exist',
  EACCES: 'access',
  EPERM: 'not-permitted',
  ENOTDIR: 'not-directory',
  EISDIR: 'is-directory',
  ENOTEMPTY: 'not-empty',
  EBADF: 'bad-descriptor',
  EINVAL: 'invalid',
  ELOOP: 'loop',
  ENAMETOOLONG: 'name-too-long',
  ENOSPC: 'insufficient-space',
  EROFS: 'read-only',
  EBUSY: 'busy',
  EMFILE: 'insufficient-memory',
};

/** Runs a Node fs call and turns its errno into the WASI error-code the guest sees. */
function io<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) fail(ERRNO_TO_CODE[code] ?? 'io');
    throw err;
  }
}

function typeOf(stat: fs.Stats): DescriptorType {
  if (stat.isFile()) return 'regular-file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symbolic-link';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice()) return 'character-device';
  if (stat.isBlockDevice()) return 'block-device';
  return 'unknown';
}

const timestamp = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: Math.floor((ms % 1000) * 1e6) });

function descriptorStat(stat: fs.Stats) {
  return {
    type: typeOf(stat),
    linkCount: BigInt(stat.nlink),
    size: BigInt(stat.size),
    dataAccessTimestamp: timestamp(stat.atimeMs),
    dataModificationTimestamp: timestamp(stat.mtimeMs),
    statusChangeTimestamp: timestamp(stat.ctimeMs),
  };
}

const symbolDispose: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** Owns every file descriptor the guest opened, so closing the instance closes them all. */
export class FileTable {
  readonly #open = new Set<number>();
  add(fd: number): number {
    this.#open.add(fd);
    return fd;
  }
  release(fd: number): void {
    if (this.#open.delete(fd)) fs.closeSync(fd);
  }
  closeAll(): void {
    for (const fd of this.#open) fs.closeSync(fd);
    this.#open.clear();
  }
}

interface Scope {
  /** Real path of the preopen root. */
  root: string;
  readOnly: boolean;
  files: FileTable;
}

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

export class Descriptor {
  readonly #scope: Scope;
  readonly #path: string;
  readonly #type: DescriptorType;
  readonly #fd: number | undefined;
  readonly #flags: DescriptorFlags;

  constructor(scope: Scope, path: string, type: DescriptorType, fd: number | undefined, flags: DescriptorFlags) {
    this.#scope = scope;
    this.#path = path;
    this.#type = type;
    this.#fd = fd;
    this.#flags = flags;
  }

  /**
   * Maps a guest path relative to this directory to a host path inside the preopen.
   * Absolute paths and anything that resolves outside (by `..` or by a symlink)
   * are refused with not-permitted.
   */
  #resolve(path: string, followFinal: boolean): string {
    if (this.#type !== 'directory') fail('not-directory');
    if (path.startsWith('/') || path.includes('\0')) fail('not-permitted');
    const candidate = resolve(this.#path, path);
    if (!inside(this.#scope.root, candidate)) fail('not-permitted');
    let lstat: fs.Stats | undefined;
    try {
      lstat = fs.lstatSync(candidate);
    } catch {
      lstat = undefined;
    }
    if (lstat === undefined || (lstat.isSymbolicLink() && !followFinal)) {
      // The entry itself need not exist (create), but the directory holding it must
      // really be inside the preopen.
      const parent = io(() => fs.realpathSync(dirname(candidate)));
      if (!inside(this.#scope.root, parent)) fail('not-permitted');
      return resolve(parent, candidate.slice(dirname(candidate).length + 1));
    }
    const real = io(() => fs.realpathSync(candidate));
    if (!inside(this.#scope.root, real)) fail('not-permitted');
    return real;
  }

  #requireWritable(): void {
    if (this.#scope.readOnly) fail('read-only');
  }

  #requireFd(): number {
    if (this.#fd === undefined) fail(this.#type === 'directory' ? 'is-directory' : 'bad-descriptor');
    return this.#fd;
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const wantsWrite = flags.write === true || flags.mutateDirectory === true || openFlags.create === true || openFlags.truncate === true;
    if (wantsWrite) this.#requireWritable();
    const target = this.#resolve(path, pathFlags.symlinkFollow !== false);
    const exists = fs.existsSync(target);
    if (exists && openFlags.create && openFlags.exclusive) fail('exist');
    if (!exists && !openFlags.create) fail('no-entry');
    if (exists && fs.statSync(target).isDirectory()) {
      if (flags.write) fail('is-directory');
      return new Descriptor(this.#scope, target, 'directory', undefined, flags);
    }
    if (openFlags.directory) fail(exists ? 'not-directory' : 'no-entry');
    let mode = flags.write ? 'r+' : 'r';
    if (!exists) mode = flags.read ? 'w+' : 'w';
    else if (openFlags.truncate) mode = 'w+';
    const fd = this.#scope.files.add(io(() => fs.openSync(target, mode)));
    return new Descriptor(this.#scope, target, 'regular-file', fd, flags);
  }

  readViaStream(offset: bigint): InputStream {
    const fd = this.#requireFd();
    let position = Number(offset);
    return new InputStream((len) => {
      const buf = Buffer.allocUnsafe(Math.min(len, 1 << 20));
      const n = fs.readSync(fd, buf, 0, buf.length, position);
      if (n === 0 && len > 0) return undefined;
      position += n;
      return buf.subarray(0, n);
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    this.#requireWritable();
    const fd = this.#requireFd();
    let position = Number(offset);
    return new OutputStream((bytes) => {
      position += fs.writeSync(fd, bytes, 0, bytes.length, position);
    });
  }

  appendViaStream(): OutputStream {
    this.#requireWritable();
    const fd = this.#requireFd();
    return new OutputStream((bytes) => {
      fs.writeSync(fd, bytes, 0, bytes.length, fs.fstatSync(fd).size);
    });
  }

  advise(): void {}

  syncData(): void {
    io(() => fs.fdatasyncSync(this.#requireFd()));
  }

  sync(): void {
    if (this.#fd !== undefined) io(() => fs.fsyncSync(this.#requireFd()));
  }

  getFlags(): DescriptorFlags {
    return { ...this.#flags };
  }

  getType(): DescriptorType {
    return this.#type;
  }

  setSize(size: bigint): void {
    this.#requireWritable();
    io(() => fs.ftruncateSync(this.#requireFd(), Number(size)));
  }

  setTimes(): never {
    return fail('not-permitted');
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const fd = this.#requireFd();
    const buf = Buffer.allocUnsafe(Number(length));
    const n = io(() => fs.readSync(fd, buf, 0, buf.length, Number(offset)));
    return [buf.subarray(0, n), n < buf.length];
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    this.#requireWritable();
    const fd = this.#requireFd();
    return BigInt(io(() => fs.writeSync(fd, buffer, 0, buffer.length, Number(offset))));
  }

  readDirectory(): DirectoryEntryStream {
    if (this.#type !== 'directory') fail('not-directory');
    const entries = io(() => fs.readdirSync(this.#path, { withFileTypes: true }));
    return new DirectoryEntryStream(
      entries.map((e) => ({
        name: e.name,
        type: (e.isFile() ? 'regular-file' : e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symbolic-link' : 'unknown') as DescriptorType,
      })),
    );
  }

  stat() {
    return descriptorStat(io(() => (this.#fd !== undefined ? fs.fstatSync(this.#fd) : fs.statSync(this.#path))));
  }

  statAt(pathFlags: PathFlags, path: string) {
    const follow = pathFlags.symlinkFollow !== false;
    const target = this.#resolve(path, follow);
    return descriptorStat(io(() => (follow ? fs.statSync(target) : fs.lstatSync(target))));
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
    const target = this.#resolve(path, false);
    io(() => fs.mkdirSync(target));
  }

  removeDirectoryAt(path: string): void {
    this.#requireWritable();
    const target = this.#resolve(path, false);
    io(() => fs.rmdirSync(target));
  }

  unlinkFileAt(path: string): void {
    this.#requireWritable();
    const target = this.#resolve(path, false);
    io(() => fs.unlinkSync(target));
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    this.#requireWritable();
    newDescriptor.#requireWritable();
    const from = this.#resolve(oldPath, false);
    const to = newDescriptor.#resolve(newPath, false);
    io(() => fs.renameSync(from, to));
  }

  isSameObject(other: Descriptor): boolean {
    return other.#path === this.#path;
  }

  metadataHash() {
    const s = io(() => (this.#fd !== undefined ? fs.fstatSync(this.#fd) : fs.statSync(this.#path)));
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  metadataHashAt(pathFlags: PathFlags, path: string) {
    const follow = pathFlags.symlinkFollow !== false;
    const target = this.#resolve(path, follow);
    const s = io(() => (follow ? fs.statSync(target) : fs.lstatSync(target)));
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  [symbolDispose](): void {
    if (this.#fd !== undefined) this.#scope.files.release(this.#fd);
  }
}

export class DirectoryEntryStream {
  readonly #entries: { name: string; type: DescriptorType }[];
  constructor(entries: { name: string; type: DescriptorType }[]) {
    this.#entries = entries;
  }
  readDirectoryEntry(): { name: string; type: DescriptorType } | undefined {
    return this.#entries.shift();
  }
}

/** The imports and the table that owns the guest's open files. */
export function filesystemImports(grants: readonly PreopenGrant[]) {
  const files = new FileTable();
  const preopens = grants.map((g): [Descriptor, string] => {
    let root: string;
    try {
      root = fs.realpathSync(g.hostPath);
    } catch (cause) {
      throw new GrantError(`preopen hostPath "${g.hostPath}" does not exist; create it or fix the connector's grant`, { cause });
    }
    if (!fs.statSync(root).isDirectory()) throw new GrantError(`preopen hostPath "${g.hostPath}" is not a directory`);
    return [new Descriptor({ root, readOnly: g.readOnly, files }, root, 'directory', undefined, { read: true, write: !g.readOnly }), g.guestPath];
  });
  return {
    files,
    imports: {
      'wasi:filesystem/preopens': { getDirectories: () => preopens.slice() },
      'wasi:filesystem/types': {
        Descriptor,
        DirectoryEntryStream,
        filesystemErrorCode: (_err: IoError): string | undefined => undefined,
      },
    },
  };
}
