import { type CommandOutput, runAuditVerify } from './audit-verify.command.js';

const USAGE = `Usage: steward-audit <command>
Commands:
  verify <file.jsonl>   check the hash chain of a Steward JSONL audit file (exit 0 intact, 1 broken, 2 unreadable)`;

/** `steward-audit <command> …`: dispatches to the subcommand; exit 2 on an unknown one. */
export async function runAuditCommand(argv: readonly string[], output: CommandOutput): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'verify') return runAuditVerify(rest, output);
  if (command === '--help' || command === '-h') {
    output.out(USAGE);
    return 0;
  }
  output.err(command ? `unknown command '${command}'` : 'no command');
  output.err(USAGE);
  return 2;
}
