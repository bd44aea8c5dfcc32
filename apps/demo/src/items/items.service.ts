import { Injectable, NotFoundException, Optional, type OnModuleInit } from '@nestjs/common';
import { LifecycleManager, ManagedUnit } from '@steward/lifecycle';
import type { Item } from './interfaces/item.interface.js';
import { ItemsCache } from './items.cache.js';
import { ItemsRepository } from './items.repository.js';

/**
 * The items use cases: the repository behind a read-through cache. A lifecycle unit: it injects the `db`
 * pool (through the repository), so the lifecycle starts it after the pool has warmed up.
 */
@ManagedUnit({ name: 'items' })
@Injectable()
export class ItemsService implements OnModuleInit {
  constructor(
    private readonly repository: ItemsRepository,
    private readonly cache: ItemsCache,
    @Optional() private readonly lifecycle?: LifecycleManager,
  ) {}

  /** Creates the table once the pool is up: with LifecycleModule in `start()`, else here. */
  async onModuleInit(): Promise<void> {
    if (!this.lifecycle) await this.repository.migrate();
  }

  async start(): Promise<void> {
    await this.repository.migrate();
  }

  /** One page by id; pass the last id of a page as `after` to get the next one. */
  list(limit = 20, after = 0): Promise<Item[]> {
    return this.repository.list(limit, after);
  }

  async get(id: number): Promise<Item> {
    const cached = await this.cache.get(id);
    if (cached) return cached;
    const item = await this.repository.get(id);
    if (!item) throw new NotFoundException(`Item ${id} not found`);
    await this.cache.set(item);
    return item;
  }

  create(name: string, description?: string): Promise<Item> {
    return this.repository.create(name, description ?? null);
  }

  async delete(id: number): Promise<void> {
    const deleted = await this.repository.delete(id);
    await this.cache.invalidate(id);
    if (!deleted) throw new NotFoundException(`Item ${id} not found`);
  }
}
