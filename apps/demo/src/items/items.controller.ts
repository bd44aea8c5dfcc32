import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { Requires } from '@steward/access';
import { CreateItemDto } from './create-item.dto.js';
import type { Item } from './interfaces/item.interface.js';
import { ItemId } from './item-id.pipe.js';
import { ItemsService } from './items.service.js';
import { ListItemsQuery } from './list-items.query.js';

/** A small CRUD API over the database pool. */
@Controller('items')
export class ItemsController {
  constructor(private readonly items: ItemsService) {}

  /** `GET /items?limit=20&after=<last id of the previous page>`: keyset paging, as fast on page 1 000 as on page 1. */
  @Get()
  @Requires('items:read', { resource: { type: 'items' } })
  list(@Query() query: ListItemsQuery): Promise<Item[]> {
    return this.items.list(query.limit, query.after);
  }

  @Get(':id')
  @Requires('items:read', { resource: (req) => ({ type: 'items', id: String(req.params?.id) }) })
  get(@ItemId() id: number): Promise<Item> {
    return this.items.get(id);
  }

  @Post()
  @Requires('items:write', { resource: { type: 'items' } })
  create(@Body() body: CreateItemDto): Promise<Item> {
    return this.items.create(body.name, body.description);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('items:write', { resource: (req) => ({ type: 'items', id: String(req.params?.id) }) })
  delete(@ItemId() id: number): Promise<void> {
    return this.items.delete(id);
  }
}
