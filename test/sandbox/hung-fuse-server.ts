// A FUSE file system that stops answering, for the hung-mount test: run as a child
// process (`node hung-fuse-server.js <mountpoint>`), it mounts itself at <mountpoint>
// by passing /dev/fuse to mount(8), then serves the kernel's requests by hand: a root
// directory with `plain.txt` (answered) and `hung.txt`, whose READ is read from the
// device and never answered, as a network file system whose server went away. The
// kernel then waits for the answer uninterruptibly. Ending this process closes the
// device, which aborts the connection and releases whoever waits.
// Prints `mounted` once the kernel's INIT is answered, and `hung READ` when it holds a request.
// It ends by itself `hold-ms` (default 60 s) after it first held one: a runtime (or test)
// that wrongly reads on its own thread is then released and fails, instead of hanging for good.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const mountpoint = process.argv[2];
if (!mountpoint) throw new Error('usage: hung-fuse-server <mountpoint> [hold-ms]');
const HOLD_MS = Number(process.argv[3] ?? 60_000);
let releaseAt = Infinity;

const Op = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  OPEN: 14,
  READ: 15,
  RELEASE: 18,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  INTERRUPT: 36,
  BATCH_FORGET: 42,
};
const ENOENT = 2;
const ENOSYS = 38;
const ROOT = 1;
const FILES: Record<string, { ino: number; data: Buffer; hang: boolean }> = {
  'plain.txt': { ino: 2, data: Buffer.from('plain file on a FUSE mount\n'), hang: false },
  'hung.txt': { ino: 3, data: Buffer.from('never read\n'), hang: true },
};
const byIno = new Map(Object.values(FILES).map((f) => [f.ino, f]));

// Non-blocking, so the loop below can notice that it is time to end.
const device = fs.openSync('/dev/fuse', fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
const pause = new Int32Array(new SharedArrayBuffer(4));
// mount(8) gets the device as its fd 3; the kernel ties the new mount to that open file, which this process keeps.
const mounted = spawnSync('mount', ['-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,allow_other', 'hungfs', mountpoint], {
  stdio: ['ignore', 'inherit', 'inherit', device],
});
if (mounted.status !== 0) {
  process.stderr.write(`mount -t fuse failed (${mounted.status ?? mounted.signal ?? mounted.error?.message})\n`);
  process.exit(2);
}

/** struct fuse_attr (88 bytes). */
function attr(ino: number): Buffer {
  const file = byIno.get(ino);
  const a = Buffer.alloc(88);
  a.writeBigUInt64LE(BigInt(ino), 0);
  a.writeBigUInt64LE(BigInt(file?.data.length ?? 0), 8);
  a.writeUInt32LE(file ? 0o100644 : 0o040755, 60);
  a.writeUInt32LE(file ? 1 : 2, 64);
  a.writeUInt32LE(4096, 80);
  return a;
}

function reply(unique: bigint, errno: number, body: Buffer = Buffer.alloc(0)): void {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeInt32LE(-errno, 4);
  head.writeBigUInt64LE(unique, 8);
  fs.writeSync(device, Buffer.concat([head, body]));
}

// The kernel refuses reads smaller than a whole request (max_write plus headers).
const MAX_WRITE = 128 * 1024;
const buffer = Buffer.alloc(MAX_WRITE + 64 * 1024);
for (;;) {
  let n: number;
  try {
    n = fs.readSync(device, buffer, 0, buffer.length, null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINTR' || code === 'EAGAIN') {
      if (Date.now() >= releaseAt) {
        process.stdout.write('released\n');
        process.exit(0); // closing the device aborts the held request
      }
      Atomics.wait(pause, 0, 0, 2);
      continue;
    }
    process.exit(0); // ENODEV: unmounted
  }
  const op = buffer.readUInt32LE(4);
  const unique = buffer.readBigUInt64LE(8);
  const node = Number(buffer.readBigUInt64LE(16));
  const body = buffer.subarray(40, n);
  switch (op) {
    case Op.INIT: {
      const out = Buffer.alloc(64); // struct fuse_init_out
      out.writeUInt32LE(7, 0);
      out.writeUInt32LE(31, 4);
      out.writeUInt32LE(body.readUInt32LE(8), 8); // max_readahead as offered
      out.writeUInt16LE(16, 16);
      out.writeUInt16LE(16, 18);
      out.writeUInt32LE(MAX_WRITE, 20);
      out.writeUInt32LE(1, 24);
      out.writeUInt16LE(32, 28);
      reply(unique, 0, out);
      process.stdout.write('mounted\n');
      break;
    }
    case Op.LOOKUP: {
      const file = node === ROOT ? FILES[body.subarray(0, body.indexOf(0)).toString()] : undefined;
      if (!file) {
        reply(unique, ENOENT);
        break;
      }
      const entry = Buffer.alloc(40); // struct fuse_entry_out before its attr; 1 s validity
      entry.writeBigUInt64LE(BigInt(file.ino), 0);
      entry.writeBigUInt64LE(1n, 16);
      entry.writeBigUInt64LE(1n, 24);
      reply(unique, 0, Buffer.concat([entry, attr(file.ino)]));
      break;
    }
    case Op.GETATTR: {
      const out = Buffer.alloc(16);
      out.writeBigUInt64LE(1n, 0);
      reply(unique, 0, Buffer.concat([out, attr(node)]));
      break;
    }
    case Op.OPEN:
    case Op.OPENDIR:
      reply(unique, 0, Buffer.alloc(16));
      break;
    case Op.READ: {
      const file = byIno.get(node);
      if (file?.hang) {
        releaseAt = Math.min(releaseAt, Date.now() + HOLD_MS);
        process.stdout.write('hung READ\n');
        break; // read from the device, never answered
      }
      const offset = Number(body.readBigUInt64LE(8));
      reply(unique, 0, file ? file.data.subarray(offset, offset + body.readUInt32LE(16)) : Buffer.alloc(0));
      break;
    }
    case Op.READDIR:
      reply(unique, 0);
      break;
    case Op.RELEASE:
    case Op.RELEASEDIR:
    case Op.FLUSH:
      reply(unique, 0);
      break;
    case Op.FORGET:
    case Op.BATCH_FORGET:
    case Op.INTERRUPT:
      break; // no answer expected (an INTERRUPT of the hung READ is ignored, as a dead server would)
    default:
      reply(unique, ENOSYS);
  }
}
