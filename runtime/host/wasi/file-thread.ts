// Entry point of a connector's file I/O thread: runs the guest's filesystem calls
// (file-ops.ts) that the connector's thread posts through the shared block (file-link.ts).
import { workerData } from 'node:worker_threads';
import { LinkViews } from './file-link.js';
import { serveFileLink } from './file-ops.js';

serveFileLink(new LinkViews((workerData as { block: SharedArrayBuffer }).block));
