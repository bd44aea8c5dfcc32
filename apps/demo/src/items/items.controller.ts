import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { CreateItemDto } from './create-item.dto.js';
import type { Item } from './interfaces/item.interface.js';
import { ItemsService } from './items.service.js';
import { ListItemsQuery } from './list-items.query.js';

/** A small CRUD API over the database pool. */
@Controller('items')
export class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Get()
  list(@Query() query: ListItemsQuery): Promise<Item[]> {
    return this.items.list(query.limit, query.offset);
  }

  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number): Promise<Item> {
    return this.items.get(id);
  }

  @Post()
  create(@Body() body: CreateItemDto): Promise<Item> {
    return this.items.create(body.name, body.description);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@Param('id', ParseIntPipe) id: number): Promise<void> {
    return this.items.delete(id);
  }
}
