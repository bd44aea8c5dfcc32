import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Largest id an `integer` column holds: a larger one is a client error, not a database error (500). */
const MAX_ITEM_ID = 2_147_483_647;

/** Parses `:id` as a positive integer that fits the items table, else 400. */
@Injectable()
export class ItemIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
    if (!(id >= 1 && id <= MAX_ITEM_ID)) {
      throw new BadRequestException(`id must be an integer from 1 to ${MAX_ITEM_ID}`);
    }
    return id;
  }
}
