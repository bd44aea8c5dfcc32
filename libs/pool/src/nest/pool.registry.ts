import { Injectable, Logger } from '@nestjs/common';
import type { PoolHost } from './pool.host.js';
import { PoolNestMessages } from './pool.messages.js';

/** Every pool registered in this application, by name: what health, metrics and the admin routes walk. */
@Injectable()
export class PoolRegistry {
  private readonly hosts = new Map<string, PoolHost>();
  private readonly logger = new Logger('PoolModule');

  /** Adds a pool; a second pool under the same name is kept out of the registry with a warning. */
  register(host: PoolHost): void {
    if (this.hosts.has(host.name)) {
      this.logger.warn(PoolNestMessages.duplicateName(host.name));
      return;
    }
    this.hosts.set(host.name, host);
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
