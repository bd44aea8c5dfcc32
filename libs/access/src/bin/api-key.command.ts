import { type CliResult, runMintApiKey } from './mint-api-key.command.js';

const USAGE = `Usage: steward-api-key <command> [options]
Commands:
  mint    mint a key: prints it once, then the record to store (steward-api-key mint --help)`;

/** `steward-api-key <command> …`: dispatches to the subcommand; exit 2 on an unknown one. */
export function runApiKeyCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  now = new Date(),
): CliResult {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mint':
      return runMintApiKey(rest, env, now);
    case '--help':
    case '-h':
      return { code: 0, stdout: `${USAGE}\n`, stderr: '' };
    default:
      return {
        code: 2,
        stdout: '',
        stderr: `${command ? `unknown command '${command}'` : 'no command'}\n${USAGE}\n`,
      };
  }
}
