#!/usr/bin/env node
// The `steward-api-key` bin of @steward/access. The work is in api-key.command.ts (tested without a process).
import { runApiKeyCommand } from './api-key.command.js';

void runApiKeyCommand(process.argv.slice(2), process.env).then((result) => {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
});
