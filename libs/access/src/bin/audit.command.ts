import { type CommandOutput, runAuditVerify } from './audit-verify.command.js';

const USAGE = `Usage: steward-audit <command>
Commands:
  verify <file.jsonl>   check a Steward JSONL audit file: chain, canonical lines, signed checkpoints, anchor
                        (exit 0 intact and sealed, 1 broken or cut, 2 unreadable, 3 unsealed records at the end)
Run steward-audit verify --help for its options.`;

/** `steward-audit <command> …`: dispatches to the subcommand; exit 2 on an unknown one. */
export async function runAuditCommand(
  argv: readonly string[],
  output: CommandOutput,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'verify') return runAuditVerify(rest, output, env);
  if (command === '--help' || command === '-h') {
    output.out(USAGE);
    return 0;
  }
  output.err(command ? `unknown command '${command}'` : 'no command');
  output.err(USAGE);
  return 2;
}
