#!/usr/bin/env node
// Verifies a Steward JSONL audit file: `node dist/libs/access/src/bin/audit-verify.js <file>`.
import { runAuditVerify } from './audit-verify.command.js';

process.exitCode = await runAuditVerify(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
