// wasi:filesystem scoped to the preopens a connector was granted. Paths are walked
// one component at a time from an open directory fd, never resolved by name, so a
// symlink or `..` cannot lead outside a preopen even while the tree changes under us.
// Writes are refused on read-only preopens; without grants the guest sees no directories.
import * as fs from 'node:fs';
import { GrantError } from '../errors.js';
import { fail } from './fail.js';
import { InputStream, type IoError, OutputStream } from './io.js';

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

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const OPEN_DIRECTORY = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Largest read the host allocates for at once, whatever length the guest asks for. */
const MAX_READ_BYTES = 1 << 20;
/** Open descriptors one instance may hold: file descriptors are the process's, shared with every other connector. */
export const MAX_OPEN_FILES = 256;
/** Directories one lookup may hold open on its way (a real tree is far shallower). */
const MAX_DEPTH = 256;
/** As Linux's own limit on symlinks followed in one lookup. */
const MAX_SYMLINKS = 40;

/**
 * The name by which the kernel reaches `name` inside the directory open as `dirFd`.
 * /proc/self/fd/N is a magic link to the open directory itself, not to a path, so
 * this acts as openat(dirFd, name): renaming or swapping the directory's path
 * afterwards changes nothing. `name` is always one component without "/".
 */
const at = (dirFd: number, name?: string): string => (name === undefined ? `/proc/self/fd/${dirFd}` : `/proc/self/fd/${dirFd}/${name}`);

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
  EXDEV: 'cross-device',
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

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return io(() => {
      throw err;
    });
  }
}

function typeOf(stat: fs.Stats | fs.Dirent): DescriptorType {
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

/**
 * Owns every file descriptor the guest holds (preopens, directories, files), so
 * closing the instance closes them all. A descriptor asks the table before each use:
 * a number closed here may be reused by the host for something outside the sandbox.
 */
export class FileTable {
  readonly #open = new Set<number>();
  /** Takes ownership of `fd`; over MAX_OPEN_FILES it is closed and the guest told it is out of resources. */
  add(fd: number): number {
    if (this.#open.size >= MAX_OPEN_FILES) {
      fs.closeSync(fd);
      fail('insufficient-memory');
    }
    this.#open.add(fd);
    return fd;
  }
  owns(fd: number): boolean {
    return this.#open.has(fd);
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
  readOnly: boolean;
  files: FileTable;
}

/** Where a walk ended: `name` inside the open directory `dirFd`, or that directory itself (`name` undefined). */
interface Located {
  dirFd: number;
  name: string | undefined;
  /** Closes the directories the walk opened on its way. */
  release(): void;
}

export class Descriptor {
  readonly #scope: Scope;
  readonly #fd: number;
  readonly #type: DescriptorType;
  readonly #flags: DescriptorFlags;
  /** A preopen lives as long as the instance, whatever the guest drops. */
  readonly #preopen: boolean;
  #released = false;

  constructor(scope: Scope, fd: number, type: DescriptorType, flags: DescriptorFlags, preopen = false) {
    this.#scope = scope;
    this.#fd = fd;
    this.#type = type;
    this.#flags = flags;
    this.#preopen = preopen;
  }

  #liveFd(): number {
    if (this.#released || !this.#scope.files.owns(this.#fd)) fail('bad-descriptor');
    return this.#fd;
  }

  /**
   * Walks a guest path relative to this directory. Every component is looked up in
   * the directory fd reached so far and every directory is opened with O_NOFOLLOW,
   * so a symlink is only ever followed by this code, which re-walks its target
   * under the same rules. `..` may not climb above this descriptor (as cap-std
   * and wasmtime do); absolute paths and absolute symlink targets are refused.
   * `followFinal` = whether a symlink in the last position is followed.
   */
  #locate(path: string, followFinal: boolean): Located {
    if (this.#type !== 'directory') fail('not-directory');
    if (path.startsWith('/') || path.includes('\0')) fail('not-permitted');
    const base = this.#liveFd();
    const opened: number[] = [];
    const release = () => {
      for (const fd of opened.splice(0)) fs.closeSync(fd);
    };
    const current = () => opened[opened.length - 1] ?? base;
    const pending = path.split('/').reverse();
    const isLast = () => pending.every((p) => p === '' || p === '.');
    let links = 0;
    try {
      while (pending.length > 0) {
        const part = pending.pop()!;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          const up = opened.pop();
          if (up === undefined) fail('not-permitted');
          fs.closeSync(up);
          continue;
        }
        const last = isLast();
        const entry = lstatOrUndefined(at(current(), part));
        if (entry?.isSymbolicLink() && (!last || followFinal)) {
          if (++links > MAX_SYMLINKS) fail('loop');
          const target = io(() => fs.readlinkSync(at(current(), part)));
          if (target.startsWith('/')) fail('not-permitted');
          pending.push(...target.split('/').reverse());
          continue;
        }
        if (last) return { dirFd: current(), name: part, release };
        if (entry === undefined) fail('no-entry');
        if (!entry.isDirectory()) fail('not-directory');
        if (opened.length >= MAX_DEPTH) fail('name-too-long');
        // O_NOFOLLOW: if a symlink was swapped in since the lstat, this fails instead of following it.
        opened.push(io(() => fs.openSync(at(current(), part), OPEN_DIRECTORY)));
      }
      return { dirFd: current(), name: undefined, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  #with<T>(path: string, followFinal: boolean, op: (where: Located) => T): T {
    const where = this.#locate(path, followFinal);
    try {
      return op(where);
    } finally {
      where.release();
    }
  }

  #requireWritable(): void {
    if (this.#scope.readOnly) fail('read-only');
  }

  #requireFile(): number {
    if (this.#type === 'directory') fail('is-directory');
    return this.#liveFd();
  }

  #child(fd: number, flags: DescriptorFlags): Descriptor {
    this.#scope.files.add(fd);
    const type = typeOf(io(() => fs.fstatSync(fd)));
    return new Descriptor(this.#scope, fd, type, flags);
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const wantsWrite = flags.write === true || flags.mutateDirectory === true || openFlags.create === true || openFlags.truncate === true;
    if (wantsWrite) this.#requireWritable();
    return this.#with(path, pathFlags.symlinkFollow !== false, ({ dirFd, name }) => {
      if (name === undefined) {
        // The path named a directory the walk is holding ("." or "a/..").
        if (openFlags.create && openFlags.exclusive) fail('exist');
        if (flags.write) fail('is-directory');
        return this.#child(
          io(() => fs.openSync(at(dirFd), O_RDONLY | O_DIRECTORY)),
          flags,
        );
      }
      const entryPath = at(dirFd, name);
      const entry = lstatOrUndefined(entryPath);
      if (entry && openFlags.create && openFlags.exclusive) fail('exist');
      if (!entry && !openFlags.create) fail('no-entry');
      // Only reached without symlink-follow: WASI answers `loop`, as O_NOFOLLOW does.
      if (entry?.isSymbolicLink()) fail('loop');
      if (entry?.isDirectory()) {
        if (flags.write) fail('is-directory');
        return this.#child(
          io(() => fs.openSync(entryPath, OPEN_DIRECTORY)),
          flags,
        );
      }
      if (openFlags.directory) fail(entry ? 'not-directory' : 'no-entry');
      // Only regular files: opening a FIFO (or a socket, a device) can block the worker in
      // a system call that no deadline can interrupt, and nothing a connector needs is one.
      if (entry && !entry.isFile()) fail('not-permitted');
      const access = flags.write ? (flags.read === false ? O_WRONLY : O_RDWR) : O_RDONLY;
      // O_NOFOLLOW again: a symlink planted after the lstat makes the open fail, it is never followed or created through.
      // O_NONBLOCK: a FIFO swapped in after the lstat opens at once (or fails) instead of blocking; the fstat below refuses it.
      const bits =
        access | O_NOFOLLOW | O_NONBLOCK | (openFlags.create ? O_CREAT : 0) | (openFlags.exclusive ? O_EXCL : 0) | (openFlags.truncate ? O_TRUNC : 0);
      const fd = io(() => fs.openSync(entryPath, bits, 0o666));
      let regular = false;
      try {
        regular = fs.fstatSync(fd).isFile();
      } finally {
        if (!regular) fs.closeSync(fd);
      }
      if (!regular) fail('not-permitted');
      return this.#child(fd, flags);
    });
  }

  readViaStream(offset: bigint): InputStream {
    this.#requireFile();
    let position = Number(offset);
    return new InputStream((len) => {
      const buf = Buffer.allocUnsafe(Math.min(len, MAX_READ_BYTES));
      const n = fs.readSync(this.#liveFd(), buf, 0, buf.length, position);
      if (n === 0 && len > 0) return undefined;
      position += n;
      return buf.subarray(0, n);
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    this.#requireWritable();
    this.#requireFile();
    let position = Number(offset);
    return new OutputStream((bytes) => {
      position += fs.writeSync(this.#liveFd(), bytes, 0, bytes.length, position);
    });
  }

  appendViaStream(): OutputStream {
    this.#requireWritable();
    this.#requireFile();
    return new OutputStream((bytes) => {
      const fd = this.#liveFd();
      fs.writeSync(fd, bytes, 0, bytes.length, fs.fstatSync(fd).size);
    });
  }

  advise(): void {}

  syncData(): void {
    io(() => fs.fdatasyncSync(this.#requireFile()));
  }

  sync(): void {
    io(() => fs.fsyncSync(this.#liveFd()));
  }

  getFlags(): DescriptorFlags {
    return { ...this.#flags };
  }

  getType(): DescriptorType {
    return this.#type;
  }

  setSize(size: bigint): void {
    this.#requireWritable();
    io(() => fs.ftruncateSync(this.#requireFile(), Number(size)));
  }

  setTimes(): never {
    return fail('not-permitted');
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const fd = this.#requireFile();
    // The guest picks the length: cap what the host allocates for it (a short read is allowed).
    const buf = Buffer.allocUnsafe(Math.min(Number(length), MAX_READ_BYTES));
    const n = io(() => fs.readSync(fd, buf, 0, buf.length, Number(offset)));
    return [buf.subarray(0, n), n < buf.length];
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    this.#requireWritable();
    const fd = this.#requireFile();
    return BigInt(io(() => fs.writeSync(fd, buffer, 0, buffer.length, Number(offset))));
  }

  readDirectory(): DirectoryEntryStream {
    if (this.#type !== 'directory') fail('not-directory');
    const entries = io(() => fs.readdirSync(at(this.#liveFd()), { withFileTypes: true }));
    return new DirectoryEntryStream(entries.map((e) => ({ name: e.name, type: typeOf(e) })));
  }

  stat() {
    return descriptorStat(io(() => fs.fstatSync(this.#liveFd())));
  }

  statAt(pathFlags: PathFlags, path: string) {
    return descriptorStat(this.#statAt(pathFlags, path));
  }

  /** After a following walk the last component is no symlink, so lstat is right for both cases. */
  #statAt(pathFlags: PathFlags, path: string): fs.Stats {
    return this.#with(path, pathFlags.symlinkFollow !== false, ({ dirFd, name }) =>
      io(() => (name === undefined ? fs.fstatSync(dirFd) : fs.lstatSync(at(dirFd, name)))),
    );
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
    this.#with(path, false, ({ dirFd, name }) => {
      if (name === undefined) fail('exist');
      io(() => fs.mkdirSync(at(dirFd, name)));
    });
  }

  removeDirectoryAt(path: string): void {
    this.#requireWritable();
    this.#with(path, false, ({ dirFd, name }) => {
      if (name === undefined) fail('invalid');
      io(() => fs.rmdirSync(at(dirFd, name)));
    });
  }

  unlinkFileAt(path: string): void {
    this.#requireWritable();
    this.#with(path, false, ({ dirFd, name }) => {
      if (name === undefined) fail('is-directory');
      io(() => fs.unlinkSync(at(dirFd, name)));
    });
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    this.#requireWritable();
    newDescriptor.#requireWritable();
    this.#with(oldPath, false, (from) =>
      newDescriptor.#with(newPath, false, (to) => {
        if (from.name === undefined || to.name === undefined) fail('invalid');
        io(() => fs.renameSync(at(from.dirFd, from.name), at(to.dirFd, to.name)));
      }),
    );
  }

  isSameObject(other: Descriptor): boolean {
    const a = io(() => fs.fstatSync(this.#liveFd()));
    const b = io(() => fs.fstatSync(other.#liveFd()));
    return a.dev === b.dev && a.ino === b.ino;
  }

  metadataHash() {
    const s = io(() => fs.fstatSync(this.#liveFd()));
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  metadataHashAt(pathFlags: PathFlags, path: string) {
    const s = this.#statAt(pathFlags, path);
    return { lower: BigInt(s.ino), upper: BigInt(s.dev) };
  }

  [symbolDispose](): void {
    if (this.#preopen || this.#released) return;
    this.#released = true;
    this.#scope.files.release(this.#fd);
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

/**
 * The imports and the table that owns the guest's open files. Each preopen is
 * opened here, once: a preopen given as a symlink is resolved now, and later
 * changes to that symlink do not move the guest's root.
 */
export function filesystemImports(grants: readonly PreopenGrant[]) {
  const files = new FileTable();
  const preopens: [Descriptor, string][] = [];
  try {
    for (const g of grants) {
      let fd: number;
      try {
        fd = fs.openSync(g.hostPath, O_RDONLY | O_DIRECTORY);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new GrantError(`preopen hostPath "${g.hostPath}" does not exist; create it or fix the connector's grant`, { cause });
        if (code === 'ENOTDIR') throw new GrantError(`preopen hostPath "${g.hostPath}" is not a directory`, { cause });
        throw new GrantError(`preopen hostPath "${g.hostPath}" cannot be opened (${code ?? String(cause)}); create it or fix the connector's grant`, { cause });
      }
      files.add(fd);
      if (!fs.existsSync(at(fd))) {
        throw new GrantError(
          `filesystem grants need /proc/self/fd (Linux with /proc mounted) to keep the guest inside "${g.hostPath}"; mount /proc or remove the grant`,
        );
      }
      preopens.push([new Descriptor({ readOnly: g.readOnly, files }, fd, 'directory', { read: true, write: !g.readOnly }, true), g.guestPath]);
    }
  } catch (err) {
    files.closeAll();
    throw err;
  }
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
