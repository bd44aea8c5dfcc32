import { readFile, stat } from 'node:fs/promises';
import type { PolicyDefinition } from './interfaces/policy-definition.interface.js';
import { PolicyFileError } from './policy.errors.js';
import {
  policyFileNotJson,
  policyFileShape,
  policyFileTooLarge,
  policyFileUnreadable,
} from './policy.messages.js';

const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a JSON policy file: an array of policies or `{ "policies": [...] }`. Only parses; pass the
 * result to `PolicyEngine.load`, which validates it (an unknown action there fails the load).
 */
export async function loadPolicyFile(path: string): Promise<PolicyDefinition[]> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES) throw new PolicyFileError(policyFileTooLarge(path, MAX_FILE_BYTES));
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new PolicyFileError(policyFileUnreadable(path, code), { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PolicyFileError(policyFileNotJson(path, (error as Error).message), { cause: error });
  }
  const list =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.hasOwn(parsed, 'policies')
      ? (parsed as { policies: unknown }).policies
      : parsed;
  if (!Array.isArray(list)) throw new PolicyFileError(policyFileShape(path));
  return list as PolicyDefinition[];
}
