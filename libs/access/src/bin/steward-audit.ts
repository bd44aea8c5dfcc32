#!/usr/bin/env node
// The `steward-audit` bin of @steward/access: `steward-audit verify <file.jsonl>`.
import { runAuditCommand } from './audit.command.js';

void runAuditCommand(
  process.argv.slice(2),
  {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
  process.env,
).then((code) => {
  process.exitCode = code;
});
