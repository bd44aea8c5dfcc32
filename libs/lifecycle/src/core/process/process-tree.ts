import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { groupMembers, liveProcesses } from './process-group.js';

/**
 * Environment variable that marks every process of one managed run: inherited by its descendants, it
 * still finds one that left the process group (`setsid`) after its parent died and it was reparented.
 */
export const PROCESS_TREE_ENV = 'STEWARD_PROCESS_TREE';

/** A fresh marker for one run. */
export function newTreeToken(): string {
  return randomUUID();
}

/**
 * Live processes of a run: the members of group `pgid` and, on Linux, every descendant of `pgid` and
 * every process whose environment carries `PROCESS_TREE_ENV=token`. Elsewhere only the group.
 */
export function treeMembers(pgid: number, token: string): number[] {
  const live = liveProcesses();
  if (!live) return groupMembers(pgid);
  const marker = Buffer.from(`${PROCESS_TREE_ENV}=${token}\0`);
  const parents = new Map<number, number>();
  const found = new Set<number>();
  for (const { pid, ppid, pgrp } of live) {
    parents.set(pid, ppid);
    if (pgrp === pgid || carries(String(pid), marker)) found.add(pid);
  }
  // Descendants by parent link, for those that cleared their environment but kept their parent.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!found.has(pid) && (ppid === pgid || found.has(ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Sends `signal` to each pid; returns those it reached. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals): number[] {
  const reached: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      reached.push(pid);
    } catch {
      // already gone
    }
  }
  return reached;
}

function carries(entry: string, marker: Buffer): boolean {
  try {
    // Only our own user's processes are readable; others cannot be ours anyway.
    const environ = readFileSync(`/proc/${entry}/environ`);
    return environ.indexOf(marker) >= 0;
  } catch {
    return false;
  }
}
