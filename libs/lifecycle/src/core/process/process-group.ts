import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Live (non-zombie) members of process group `pgid`. On Linux it reads /proc because `kill(-pgid, 0)`
 * also succeeds for zombies, which an init that does not reap would leave behind forever.
 */
export function groupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return killGroup(pgid, 0 as unknown as NodeJS.Signals) ? [pgid] : [];
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return killGroup(pgid, 0 as unknown as NodeJS.Signals) ? [pgid] : [];
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state ppid pgrp …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}
