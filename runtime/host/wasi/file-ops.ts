// The system calls behind wasi:filesystem, run on a connector's file I/O thread
// (file-thread.ts), one request per guest call. Paths are walked one component at a
// time from an open directory fd, never resolved by name, so a symlink or `..` cannot
// lead outside a preopen even while the tree changes under us. This thread owns every
// file descriptor the connector's guests hold, per instance (session).
import * as fs from 'node:fs';
import {
  FILE_PAYLOAD_BYTES,
  MAX_GUEST_PATH,
  type DescriptorFlags,
  type DescriptorType,
  type FileReply,
  type FileRequest,
  type FileStat,
  type LinkViews,
  type OpenedDescriptor,
  type OpenFlags,
} from './file-link.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const OPEN_DIRECTORY = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
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

/** A WASI error-code for the guest, thrown inside an operation. */
export class Refused {
  constructor(readonly code: string) {}
}
function refuse(code: string): never {
  throw new Refused(code);
}

/** A preopen that cannot be opened: the connector cannot start (a grant error, not the guest's). */
class GrantRefused {
  constructor(readonly message: string) {}
}

/** Runs a Node fs call and turns its errno into the WASI error-code the guest sees. */
function io<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) refuse(ERRNO_TO_CODE[code] ?? 'io');
    throw err;
  }
}

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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

const statOf = (s: fs.Stats): FileStat => ({
  type: typeOf(s),
  nlink: s.nlink,
  size: s.size,
  atimeMs: s.atimeMs,
  mtimeMs: s.mtimeMs,
  ctimeMs: s.ctimeMs,
  ino: s.ino,
  dev: s.dev,
});

/**
 * File systems whose calls end when the local disk (or memory) answers: a descriptor
 * on one of them is used from the connector's thread directly (descriptorOps below),
 * saving the round trip to the file I/O thread on every read and write. Anything else
 * (FUSE, NFS, SMB, overlay with lower layers of any kind, unknown) goes through the
 * file I/O thread. Magic numbers of statfs(2)'s f_type, from linux/magic.h.
 */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0xf2f52010, // f2fs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
]);

/** Whether the open `fd` is on a local file system; statfs may itself hang on a hung mount, so this runs on the file I/O thread. */
function isLocal(fd: number): boolean {
  try {
    return LOCAL_FILE_SYSTEMS.has(Number(fs.statfsSync(at(fd)).type));
  } catch {
    return false;
  }
}

/**
 * The calls on an open descriptor, shared by both threads: the file I/O thread runs
 * them for any descriptor, the connector's thread only for one on a local file system.
 * `offset` undefined = append (at the end of the file as it is now).
 */
export const descriptorOps = {
  read: (fd: number, into: Uint8Array, length: number, offset: number): number => io(() => fs.readSync(fd, into, 0, Math.min(length, into.length), offset)),
  write: (fd: number, from: Uint8Array, length: number, offset: number | undefined): number =>
    io(() => fs.writeSync(fd, from, 0, length, offset ?? fs.fstatSync(fd).size)),
  fstat: (fd: number): FileStat => statOf(io(() => fs.fstatSync(fd))),
  sync: (fd: number): void => io(() => fs.fsyncSync(fd)),
  datasync: (fd: number): void => io(() => fs.fdatasyncSync(fd)),
  truncate: (fd: number, size: number): void => io(() => fs.ftruncateSync(fd, size)),
};

/** Where a walk ended: `name` inside the open directory `dirFd`, or that directory itself (`name` undefined). */
interface Located {
  dirFd: number;
  name: string | undefined;
}

/**
 * Walks a guest path relative to the directory `base`. Every component is looked up in
 * the directory fd reached so far and every directory is opened with O_NOFOLLOW, so a
 * symlink is only ever followed by this code, which re-walks its target under the same
 * rules. `..` may not climb above `base` (as cap-std and wasmtime do); absolute paths
 * and absolute symlink targets are refused. `followFinal` = whether a symlink in the
 * last position is followed. The directories opened on the way are closed after `op`.
 */
function walk<T>(base: number, path: string, followFinal: boolean, op: (where: Located) => T): T {
  if (path.startsWith('/') || path.includes('\0')) refuse('not-permitted');
  if (path.length > MAX_GUEST_PATH) refuse('name-too-long');
  const opened: number[] = [];
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
        if (up === undefined) refuse('not-permitted');
        fs.closeSync(up);
        continue;
      }
      const last = isLast();
      const entry = lstatOrUndefined(at(current(), part));
      if (entry?.isSymbolicLink() && (!last || followFinal)) {
        if (++links > MAX_SYMLINKS) refuse('loop');
        const target = io(() => fs.readlinkSync(at(current(), part)));
        if (target.startsWith('/')) refuse('not-permitted');
        pending.push(...target.split('/').reverse());
        continue;
      }
      if (last) return op({ dirFd: current(), name: part });
      if (entry === undefined) refuse('no-entry');
      if (!entry.isDirectory()) refuse('not-directory');
      if (opened.length >= MAX_DEPTH) refuse('name-too-long');
      // O_NOFOLLOW: if a symlink was swapped in since the lstat, this fails instead of following it.
      opened.push(io(() => fs.openSync(at(current(), part), OPEN_DIRECTORY)));
    }
    return op({ dirFd: current(), name: undefined });
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

/** The descriptors of each guest instance; a descriptor is used only by the instance that holds it. */
class Sessions {
  readonly #open = new Map<number, Set<number>>();

  #of(session: number): Set<number> {
    let fds = this.#open.get(session);
    if (!fds) {
      fds = new Set();
      this.#open.set(session, fds);
    }
    return fds;
  }

  /** Takes ownership of `fd`; over MAX_OPEN_FILES it is closed and the guest told it is out of resources. */
  add(session: number, fd: number): number {
    const fds = this.#of(session);
    if (fds.size >= MAX_OPEN_FILES) {
      fs.closeSync(fd);
      refuse('insufficient-memory');
    }
    fds.add(fd);
    return fd;
  }

  /** `fd` if `session` holds it: a number closed here may since name something outside the sandbox. */
  fd(session: number, fd: number): number {
    if (!this.#open.get(session)?.has(fd)) refuse('bad-descriptor');
    return fd;
  }

  drop(session: number, fd: number): void {
    if (this.#open.get(session)?.delete(fd)) fs.closeSync(fd);
  }

  end(session: number): void {
    const fds = this.#open.get(session);
    this.#open.delete(session);
    for (const fd of fds ?? []) fs.closeSync(fd);
  }

  /** Ends every session but `keep`: one connector runs one instance at a time, so what others hold was never closed by them. */
  endOthers(keep: number): void {
    for (const session of [...this.#open.keys()]) if (session !== keep) this.end(session);
  }
}

/** What one operation returns: a JSON value and, for a read, bytes written into the payload. */
interface Done {
  value: unknown;
  payloadLength?: number;
}

export class FileOps {
  readonly #sessions = new Sessions();
  readonly #payload: Buffer;

  constructor(payload: Buffer) {
    this.#payload = payload;
  }

  run(req: FileRequest, payloadLength: number): Done {
    const s = this.#sessions;
    const fd = (n: number) => s.fd(req.session, n);
    switch (req.op) {
      case 'begin':
        return { value: this.#begin(req.session, req.hostPaths, req.closeOthers) };
      case 'end':
        s.end(req.session);
        return { value: null };
      case 'open':
        return { value: this.#open(req.session, fd(req.dir), req.path, req.follow, req.open, req.flags) };
      case 'drop':
        s.drop(req.session, req.fd);
        return { value: null };
      case 'read': {
        const n = descriptorOps.read(fd(req.fd), this.#payload, req.length, req.offset);
        return { value: n, payloadLength: n };
      }
      case 'write':
        return { value: descriptorOps.write(fd(req.fd), this.#payload, payloadLength, req.offset) };
      case 'append':
        return { value: descriptorOps.write(fd(req.fd), this.#payload, payloadLength, undefined) };
      case 'sync':
        descriptorOps.sync(fd(req.fd));
        return { value: null };
      case 'datasync':
        descriptorOps.datasync(fd(req.fd));
        return { value: null };
      case 'fstat':
        return { value: descriptorOps.fstat(fd(req.fd)) };
      case 'truncate':
        descriptorOps.truncate(fd(req.fd), req.size);
        return { value: null };
      case 'stat-at':
        // After a following walk the last component is no symlink, so lstat is right for both cases.
        return {
          value: walk(fd(req.dir), req.path, req.follow, ({ dirFd, name }) =>
            statOf(io(() => (name === undefined ? fs.fstatSync(dirFd) : fs.lstatSync(at(dirFd, name))))),
          ),
        };
      case 'readdir':
        return this.#readdir(fd(req.fd), req.skip);
      case 'mkdir':
        walk(fd(req.dir), req.path, false, ({ dirFd, name }) => (name === undefined ? refuse('exist') : io(() => fs.mkdirSync(at(dirFd, name)))));
        return { value: null };
      case 'rmdir':
        walk(fd(req.dir), req.path, false, ({ dirFd, name }) => (name === undefined ? refuse('invalid') : io(() => fs.rmdirSync(at(dirFd, name)))));
        return { value: null };
      case 'unlink':
        walk(fd(req.dir), req.path, false, ({ dirFd, name }) => (name === undefined ? refuse('is-directory') : io(() => fs.unlinkSync(at(dirFd, name)))));
        return { value: null };
      case 'rename': {
        const to = fd(req.toDir);
        walk(fd(req.dir), req.path, false, (from) =>
          walk(to, req.toPath, false, (dest) => {
            if (from.name === undefined || dest.name === undefined) refuse('invalid');
            io(() => fs.renameSync(at(from.dirFd, from.name), at(dest.dirFd, dest.name)));
          }),
        );
        return { value: null };
      }
    }
  }

  /**
   * Opens each preopen, once: a preopen given as a symlink is resolved now, and later
   * changes to that symlink do not move the guest's root. A failure is a grant error
   * (the connector cannot start), not an error the guest sees.
   */
  #begin(session: number, hostPaths: readonly string[], closeOthers: boolean): number[] {
    if (closeOthers) this.#sessions.endOthers(session);
    const fds: number[] = [];
    for (const hostPath of hostPaths) {
      let fd: number;
      try {
        fd = fs.openSync(hostPath, O_RDONLY | O_DIRECTORY);
      } catch (cause) {
        this.#sessions.end(session);
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new GrantRefused(`preopen hostPath "${hostPath}" does not exist; create it or fix the connector's grant`);
        if (code === 'ENOTDIR') throw new GrantRefused(`preopen hostPath "${hostPath}" is not a directory`);
        throw new GrantRefused(`preopen hostPath "${hostPath}" cannot be opened (${code ?? String(cause)}); create it or fix the connector's grant`);
      }
      this.#sessions.add(session, fd);
      if (!fs.existsSync(at(fd))) {
        this.#sessions.end(session);
        throw new GrantRefused(
          `filesystem grants need /proc/self/fd (Linux with /proc mounted) to keep the guest inside "${hostPath}"; mount /proc or remove the grant`,
        );
      }
      fds.push(fd);
    }
    return fds;
  }

  #open(session: number, dir: number, path: string, follow: boolean, openFlags: OpenFlags, flags: DescriptorFlags): OpenedDescriptor {
    const child = (fd: number): OpenedDescriptor => {
      this.#sessions.add(session, fd);
      const type = typeOf(io(() => fs.fstatSync(fd)));
      return { fd, type, local: type === 'regular-file' && isLocal(fd) };
    };
    return walk(dir, path, follow, ({ dirFd, name }) => {
      if (name === undefined) {
        // The path named a directory the walk is holding ("." or "a/..").
        if (openFlags.create && openFlags.exclusive) refuse('exist');
        if (flags.write) refuse('is-directory');
        return child(io(() => fs.openSync(at(dirFd), O_RDONLY | O_DIRECTORY)));
      }
      const entryPath = at(dirFd, name);
      const entry = lstatOrUndefined(entryPath);
      if (entry && openFlags.create && openFlags.exclusive) refuse('exist');
      if (!entry && !openFlags.create) refuse('no-entry');
      // Only reached without symlink-follow: WASI answers `loop`, as O_NOFOLLOW does.
      if (entry?.isSymbolicLink()) refuse('loop');
      if (entry?.isDirectory()) {
        if (flags.write) refuse('is-directory');
        return child(io(() => fs.openSync(entryPath, OPEN_DIRECTORY)));
      }
      if (openFlags.directory) refuse(entry ? 'not-directory' : 'no-entry');
      // Only regular files: opening a FIFO blocks until a writer appears, and nothing a connector
      // needs is a FIFO, a socket or a device (whose reads may never end either).
      if (entry && !entry.isFile()) refuse('not-permitted');
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
      if (!regular) refuse('not-permitted');
      return child(fd);
    });
  }

  /**
   * Entries after the first `skip`, as many as fit in the payload as JSON; `more` says
   * the listing goes on. A directory is listed in pages so a huge one never makes the
   * host hold more than one page of it.
   */
  #readdir(dirFd: number, skip: number): Done {
    // Entries come from the kernel 256 at a time, a page of JSON goes back: one request per page.
    const dir = io(() => fs.opendirSync(at(dirFd), { bufferSize: 256 }));
    const page: [string, DescriptorType][] = [];
    let bytes = 2;
    let more = false;
    try {
      let seen = 0;
      for (let e = io(() => dir.readSync()); e !== null; e = io(() => dir.readSync())) {
        if (seen++ < skip) continue;
        const entry: [string, DescriptorType] = [e.name, typeOf(e)];
        // A name's JSON is at most 6 bytes per byte of it (\u00XX escapes); the type and punctuation under 24.
        const size = Buffer.byteLength(e.name) * 6 + 24;
        if (bytes + size > FILE_PAYLOAD_BYTES) {
          more = true;
          break;
        }
        page.push(entry);
        bytes += size;
      }
    } finally {
      dir.closeSync();
    }
    const length = this.#payload.write(JSON.stringify(page), 0, 'utf8');
    return { value: { more }, payloadLength: length };
  }
}

/** The file I/O thread's loop: one request at a time until the owner asks it to end. */
export function serveFileLink(views: LinkViews): void {
  const ops = new FileOps(views.payload);
  while (views.awaitRequest()) {
    const seq = views.seq;
    let reply: FileReply;
    let payloadLength = 0;
    try {
      const req = views.readHeader<FileRequest>();
      const done = ops.run(req, views.payloadLength);
      reply = { ok: true, value: done.value };
      payloadLength = done.payloadLength ?? 0;
    } catch (err) {
      if (err instanceof Refused) reply = { ok: false, code: err.code };
      else if (err instanceof GrantRefused) reply = { ok: false, grant: err.message };
      else reply = { ok: false, fatal: err instanceof Error ? err.message : String(err) };
    }
    views.payloadLength = payloadLength;
    views.writeHeader(reply);
    views.reply(seq);
  }
}
