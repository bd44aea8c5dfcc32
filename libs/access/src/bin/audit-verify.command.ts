import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Secret } from '@steward/common';
import { verifyAuditFile } from '../core/audit/audit-chain.js';
import type { AuditCheckpoint, AuditCheckpointKeys } from '../core/audit/audit-checkpoint.js';
import { cli } from '../core/audit/audit.messages.js';
import {
  FileCheckpointAnchor,
  PostgresCheckpointAnchor,
  type AuditCheckpointAnchor,
} from '../core/audit/checkpoint-anchor.js';

/** Where the command writes: stdout and stderr lines. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Environment variables naming the anchor's database (never a flag: it may hold a password). */
export const ANCHOR_DATABASE_ENV = ['STEWARD_AUDIT_ANCHOR_DATABASE_URL', 'DATABASE_URL'] as const;

/**
 * `steward-audit verify <file> [--key id=file]… [--anchor file | --anchor-table table] [--sink name]`:
 * 0 when the chain is intact and sealed by its last line; 1 naming the first broken line (or a cut
 * the anchor shows); 2 on usage or read errors; 3 when intact but records follow the last checkpoint
 * unsealed (written after it, or the file was cut there).
 */
export async function runAuditVerify(
  args: readonly string[],
  output: CommandOutput,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  let values: { key?: string[]; anchor?: string; 'anchor-table'?: string; sink?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        key: { type: 'string', multiple: true },
        anchor: { type: 'string' },
        'anchor-table': { type: 'string' },
        sink: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    output.err(`${(error as Error).message}\n${cli.usage}`);
    return 2;
  }
  if (positionals.length !== 1 || values.help || (values.anchor && values['anchor-table'])) {
    output.err(cli.usage);
    return 2;
  }
  const path = positionals[0]!;
  let keys: AuditCheckpointKeys | undefined;
  let anchor: AuditCheckpoint | undefined;
  try {
    if (values.key) keys = await loadKeys(values.key);
    const source = anchorOf(values.anchor, values['anchor-table'], env);
    if (source) {
      try {
        anchor = await source.latest(values.sink ?? 'file');
      } finally {
        await source.close?.();
      }
    }
  } catch (error) {
    output.err(
      error instanceof UsageError
        ? `${error.message}\n${cli.usage}`
        : cli.unreadable('key or anchor', codeOf(error)),
    );
    return 2;
  }
  let result: Awaited<ReturnType<typeof verifyAuditFile>>;
  try {
    result = await verifyAuditFile(path, { ...(keys && { keys }), ...(anchor && { anchor }) });
  } catch (error) {
    output.err(cli.unreadable(path, codeOf(error)));
    return 2;
  }
  if (!result.ok) {
    output.err(cli.broken(path, result.line, result.reason));
    return 1;
  }
  output.out(cli.ok(path, result.count, result.checkpoints, result.lastCheckpoint));
  if (result.checkpoints > 0 && !result.signaturesChecked) output.err(cli.unsignedWarning);
  if (!anchor) output.err(cli.noAnchorWarning);
  if (result.unsealed > 0) {
    output.err(cli.unsealed(path, result.unsealed, result.lastCheckpoint?.seq));
    return 3;
  }
  return 0;
}

class UsageError extends Error {}

/** `id=file` pairs: a PEM file holds an Ed25519 key (public is enough), any other file an HMAC secret. */
async function loadKeys(specs: readonly string[]): Promise<AuditCheckpointKeys> {
  const keys: Record<string, Secret | KeyObject> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--key must be <key id>=<file>, got ${JSON.stringify(spec.slice(0, 40))}`);
    const text = (await readFile(spec.slice(eq + 1), 'utf8')).trim();
    keys[spec.slice(0, eq)] = text.includes('-----BEGIN')
      ? text.includes('PRIVATE KEY')
        ? createPrivateKey(text)
        : createPublicKey(text)
      : text.length >= 32
        ? new Secret(text)
        : createSecretKey(Buffer.from(text));
  }
  return keys;
}

function anchorOf(
  file: string | undefined,
  table: string | undefined,
  env: NodeJS.ProcessEnv,
): AuditCheckpointAnchor | undefined {
  if (file) return new FileCheckpointAnchor(file);
  if (!table) return undefined;
  const url = ANCHOR_DATABASE_ENV.map((name) => env[name]).find(Boolean);
  if (!url) throw new UsageError(`--anchor-table needs ${ANCHOR_DATABASE_ENV.join(' or ')}`);
  return new PostgresCheckpointAnchor({ connectionString: new Secret(url), table });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'read error';
}
