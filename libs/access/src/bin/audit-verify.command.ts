import { verifyAuditFile } from '../core/audit/audit-chain.js';
import { cli } from '../core/audit/audit.messages.js';

/** Where the command writes: stdout and stderr lines. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

/** `audit-verify <file>`: 0 when the chain is intact, 1 naming the first broken line, 2 on usage or read errors. */
export async function runAuditVerify(args: readonly string[], output: CommandOutput): Promise<number> {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length !== 1 || args.includes('-h') || args.includes('--help')) {
    output.err(cli.usage);
    return 2;
  }
  const path = files[0]!;
  let result: Awaited<ReturnType<typeof verifyAuditFile>>;
  try {
    result = await verifyAuditFile(path);
  } catch (error) {
    output.err(cli.unreadable(path, (error as NodeJS.ErrnoException).code ?? 'read error'));
    return 2;
  }
  if (result.ok) {
    output.out(cli.ok(path, result.count));
    return 0;
  }
  output.err(cli.broken(path, result.line, result.reason));
  return 1;
}
