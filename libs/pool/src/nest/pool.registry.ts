import { Injectable, Logger } from '@nestjs/common';
import type { PoolHost } from './pool.host.js';
import { PoolNestMessages } from './pool.messages.js';

/** Every pool registered in this application, by name: what health, metrics and the admin routes walk. */
@Injectable()
export class PoolRegistry {
  private readonly hosts = new Map<string, PoolHost>();
  private readonly logger = new Logger('PoolModule');

  /** Adds a pool and returns true; a second pool under the same name is kept out with a warning (false). */
  register(host: PoolHost): boolean {
    if (this.hosts.has(host.name)) {
      this.logger.warn(PoolNestMessages.duplicateName(host.name));
      return false;
    }
    this.hosts.set(host.name, host);
    return true;
  }

  /** The host of the pool `name`, if any. */
  get(name: string): PoolHost | undefined {
    return this.hosts.get(name);
  }

  /** Every registered host, in registration order. */
  list(): PoolHost[] {
    return [...this.hosts.values()];
  }
}
