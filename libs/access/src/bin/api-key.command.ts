import { runApiKeyStoreCommand, type StoreCommandDeps } from './api-key-store.command.js';
import { type CliResult, runMintApiKey } from './mint-api-key.command.js';

const USAGE = `Usage: steward-api-key <command> [options]
Commands:
  mint     mint a key: prints it once, then the record to store (steward-api-key mint --help)
  list     list the keys in the PostgreSQL key store, without their hashes unless --json
  revoke   revoke a key by its key id
  rotate   mint a successor for a key (same client, roles, tenant); the old one stays until revoked
  migrate  create the key store's table (--print shows the SQL)
Run a command with --help for its options.`;

/** `steward-api-key <command> …`: dispatches to the subcommand; exit 2 on an unknown one. */
export async function runApiKeyCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  now = new Date(),
  deps: StoreCommandDeps = {},
): Promise<CliResult> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mint':
      return runMintApiKey(rest, env, now);
    case 'list':
    case 'revoke':
    case 'rotate':
    case 'migrate':
      return runApiKeyStoreCommand(command, rest, env, { now, ...deps });
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
