import { open, type FileHandle } from 'node:fs/promises';
import type { AuditRecord } from '../interfaces/audit-event.interface.js';
import type { AuditChainTail, CheckpointingAuditSink } from './interfaces/audit-chain.interface.js';
import { AUDIT_GENESIS_HASH, auditRecordLine, verifyAuditChain } from './audit-chain.js';
import { isCheckpoint, type AuditCheckpoint } from './audit-checkpoint.js';
import { canonicalJson } from './canonical-json.js';
import { AuditChainError, AuditWriteError } from './audit.errors.js';
import { chainForked, fileTailUnreadable } from './audit.messages.js';

/** Options of `FileAuditSink`. */
export interface FileAuditSinkOptions {
  readonly path: string;
  readonly name?: string;
  /** `fdatasync` after every batch, so a resolved durable write survives a crash (default true). */
  readonly sync?: boolean;
  /** File mode when the file is created (default 0o600: audit data is not for every local user). */
  readonly mode?: number;
}

const TAIL_CHUNK = 64 * 1024;
const MAX_LINE = 4 * 1024 * 1024;
// How far back a restart looks for the last checkpoint (checkpoints come every N records or T seconds).
const MAX_CHECKPOINT_SCAN = 64 * 1024 * 1024;

/**
 * Append-only JSONL audit file: opened with `'a'`, one canonical record per line, and the trail's
 * signed checkpoints in line. On open it reads the end of the file so a restarted process continues
 * the same chain and links its next checkpoint to the last one; a torn or foreign last line stops it
 * (fail closed) until an operator checks the file with `steward-audit verify`.
 */
export class FileAuditSink implements CheckpointingAuditSink, AsyncDisposable {
  /** The sink's name in stats, events and metrics. */
  readonly name: string;
  private handle: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private last: AuditChainTail | undefined;
  // Writes run one after another even if the trail gives up on a slow one and sends the next batch.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: FileAuditSinkOptions) {
    this.name = options.name ?? 'file';
  }

  /** Where the chain stored in the file ends (undefined for an empty file). */
  tail(): Promise<AuditChainTail | undefined> {
    return this.serial(async () => {
      await this.ensureOpen();
      return this.last;
    });
  }

  /** Appends the records; they must continue the file's chain. */
  write(records: readonly AuditRecord[]): Promise<void> {
    return this.serial(async () => {
      const handle = await this.ensureOpen();
      if (records.length === 0) return;
      // The trail chains the batch; checking that it starts where the file ends catches a second writer.
      const first = records[0]!;
      const expected = this.last ?? { seq: -1, hash: AUDIT_GENESIS_HASH };
      if (first.seq !== expected.seq + 1 || first.prevHash !== expected.hash) {
        throw new AuditWriteError([this.name], chainForked(this.name));
      }
      await handle.appendFile(records.map((r) => `${auditRecordLine(r)}\n`).join(''), 'utf8');
      if (this.options.sync !== false) await handle.datasync();
      const last = records[records.length - 1]!;
      const checkpoint = this.last?.checkpoint;
      this.last = { seq: last.seq, hash: last.hash, ...(checkpoint && { checkpoint }) };
    });
  }

  /** Appends a signed checkpoint; it must seal the chain where the file ends. */
  writeCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    return this.serial(async () => {
      const handle = await this.ensureOpen();
      const head = this.last ?? { seq: -1, hash: AUDIT_GENESIS_HASH };
      if (checkpoint.checkpoint.seq !== head.seq || checkpoint.checkpoint.hash !== head.hash) {
        throw new AuditWriteError([this.name], chainForked(this.name));
      }
      await handle.appendFile(`${canonicalJson(checkpoint)}\n`, 'utf8');
      if (this.options.sync !== false) await handle.datasync();
      this.last = { seq: head.seq, hash: head.hash, checkpoint: { seq: head.seq, sig: checkpoint.sig } };
    });
  }

  /** Closes the file; later writes reopen it. */
  close(): Promise<void> {
    return this.serial(async () => {
      const handle = this.handle;
      this.handle = undefined;
      this.opening = undefined;
      await handle?.close();
    });
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ensureOpen(): Promise<FileHandle> {
    if (this.handle) return Promise.resolve(this.handle);
    this.opening ??= (async () => {
      // 'a': every write goes to the end whatever else happens to the file; the tail is read separately.
      const handle = await open(this.options.path, 'a', this.options.mode ?? 0o600);
      try {
        const reader = await open(this.options.path, 'r');
        try {
          this.last = await readTail(reader, this.options.path);
        } finally {
          await reader.close();
        }
      } catch (error) {
        await handle.close();
        throw error;
      }
      this.handle = handle;
      return handle;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }
}

/** The file's lines from the last one backwards, read in chunks; at most `maxBytes` are read. */
async function* linesBackwards(handle: FileHandle, size: number, maxBytes: number): AsyncGenerator<string> {
  let end = size;
  let carry = Buffer.alloc(0);
  while (end > 0 && size - end < maxBytes) {
    const from = Math.max(0, end - TAIL_CHUNK);
    const chunk = Buffer.alloc(end - from);
    await handle.read(chunk, 0, chunk.length, from);
    let buffer = Buffer.concat([chunk, carry]);
    end = from;
    let newline = buffer.lastIndexOf(0x0a);
    while (newline >= 0) {
      yield buffer.subarray(newline + 1).toString('utf8');
      buffer = buffer.subarray(0, newline);
      newline = buffer.lastIndexOf(0x0a);
    }
    if (buffer.length > MAX_LINE) return;
    carry = buffer;
  }
  if (end === 0 && carry.length > 0) yield carry.toString('utf8');
}

/**
 * The file's chain position from its last line (a record, or a checkpoint sealing the chain there),
 * and its last checkpoint, looked for up to MAX_CHECKPOINT_SCAN bytes back.
 */
async function readTail(handle: FileHandle, path: string): Promise<AuditChainTail | undefined> {
  const { size } = await handle.stat();
  if (size === 0) return undefined;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] !== 0x0a) throw new AuditChainError(fileTailUnreadable(path, 'is incomplete (no newline)'));
  let head: AuditChainTail | undefined;
  for await (const line of linesBackwards(handle, size - 1, MAX_CHECKPOINT_SCAN)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (head === undefined) throw new AuditChainError(fileTailUnreadable(path, 'is not JSON'));
      continue;
    }
    if (isCheckpoint(value)) {
      const { seq, hash } = value.checkpoint;
      const checkpoint = { seq, sig: value.sig };
      // A checkpoint as the last line seals the chain where it ends.
      return head === undefined ? { seq, hash, checkpoint } : { ...head, checkpoint };
    }
    if (head === undefined) head = recordTail(value, path);
  }
  if (head === undefined) throw new AuditChainError(fileTailUnreadable(path, 'is not a valid audit record'));
  return head;
}

function recordTail(record: unknown, path: string): AuditChainTail {
  const r = record as Partial<AuditRecord>;
  const check = verifyAuditChain([record], { after: { seq: (r.seq ?? 0) - 1, hash: r.prevHash ?? '' } });
  if (!check.ok || !check.tail)
    throw new AuditChainError(fileTailUnreadable(path, 'is not a valid audit record'));
  return check.tail;
}
