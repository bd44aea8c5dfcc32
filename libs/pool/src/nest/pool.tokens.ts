import { DEFAULT_POOL_NAME } from './pool.constants.js';

/** The injection token of the pool registered under `name`. */
export function getPoolToken(name: string = DEFAULT_POOL_NAME): string {
  return `steward:pool:${name}`;
}

/** The injection token of the host (lifecycle, maintenance, metrics) of the pool registered under `name`. */
export function getPoolHostToken(name: string = DEFAULT_POOL_NAME): string {
  return `steward:pool-host:${name}`;
}

/** The `SchedulerRegistry` name of the maintenance interval of the pool `name`. */
export function getPoolMaintenanceName(name: string): string {
  return `steward:pool:${name}:maintain`;
}

/** The lifecycle unit name of the pool `name`, with LifecycleModule: `pool:<name>`. */
export function getPoolUnitName(name: string = DEFAULT_POOL_NAME): string {
  return `pool:${name}`;
}
