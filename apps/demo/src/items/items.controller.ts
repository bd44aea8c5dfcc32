import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Requires } from '@steward/access';
import { CreateItemDto } from './create-item.dto.js';
import type { Item } from './interfaces/item.interface.js';
import { ItemIdPipe } from './item-id.pipe.js';
import { ItemsService } from './items.service.js';
import { ListItemsQuery } from './list-items.query.js';

/** A small CRUD API over the database pool. */
@Controller('items')
export class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Get()
  @Requires('items:read', { resource: { type: 'items' } })
  list(@Query() query: ListItemsQuery): Promise<Item[]> {
    return this.items.list(query.limit, query.offset);
  }

  @Get(':id')
  @Requires('items:read', { resource: (req) => ({ type: 'items', id: String(req.params?.id) }) })
  get(@Param('id', ItemIdPipe) id: number): Promise<Item> {
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
  delete(@Param('id', ItemIdPipe) id: number): Promise<void> {
    return this.items.delete(id);
  }
}
