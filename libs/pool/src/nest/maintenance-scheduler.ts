import type { ModuleRef } from '@nestjs/core';
import { loadOptionalPeer } from '@steward/common';

/** The part of @nestjs/schedule's `SchedulerRegistry` a pool uses to register its maintenance interval. */
export interface MaintenanceScheduler {
  doesExist(type: 'interval', name: string): boolean;
  addInterval(name: string, intervalId: NodeJS.Timeout): void;
  deleteInterval(name: string): void;
}

/**
 * The app's `SchedulerRegistry` when it imports `ScheduleModule.forRoot()`, else `undefined`.
 * @nestjs/schedule is an optional peer: it is loaded here, at runtime, only if the app installed it.
 */
export async function findMaintenanceScheduler(
  moduleRef: ModuleRef,
): Promise<MaintenanceScheduler | undefined> {
  const schedule = await loadOptionalPeer<{
    SchedulerRegistry: new (...args: never[]) => MaintenanceScheduler;
  }>('@nestjs/schedule');
  if (!schedule) return undefined;
  try {
    return moduleRef.get(schedule.SchedulerRegistry, { strict: false });
  } catch {
    return undefined; // installed, but the app did not import ScheduleModule.forRoot()
  }
}
