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

/** One live (non-zombie) process as /proc/<pid>/stat describes it. */
export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
}

/**
 * Every live process on Linux, read from /proc (zombies left out: `kill(-pgid, 0)` also succeeds for
 * them, which an init that does not reap would leave behind forever); `undefined` where /proc cannot be
 * read (another platform).
 */
export function liveProcesses(): ProcEntry[] | undefined {
  if (process.platform !== 'linux') return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const live: ProcEntry[] = [];
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
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    live.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
  }
  return live;
}

/** Live members of process group `pgid` (from /proc on Linux; elsewhere the group leader if it answers). */
export function groupMembers(pgid: number): number[] {
  const live = liveProcesses();
  if (!live) return killGroup(pgid, 0 as unknown as NodeJS.Signals) ? [pgid] : [];
  return live.filter((p) => p.pgrp === pgid).map((p) => p.pid);
}
