import {
  BadRequestException,
  createParamDecorator,
  Injectable,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';

/** Largest id an `integer` column holds: a larger one is a client error, not a database error (500). */
const MAX_ITEM_ID = 2_147_483_647;

/** Parses `:id` as a positive integer that fits the items table, else 400. */
@Injectable()
export class ItemIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    // Only the raw text: a number here was already converted by someone else (`+'1e3'` is 1000).
    const id = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
    if (!(id >= 1 && id <= MAX_ITEM_ID)) {
      throw new BadRequestException(`id must be an integer from 1 to ${MAX_ITEM_ID}`);
    }
    return id;
  }
}

/**
 * `:id` through `ItemIdPipe`, as the raw string. `@Param('id', ItemIdPipe) id: number` would not do: the
 * global ValidationPipe (transform on) converts a `number` param first, and `1e3` or `0x10` would pass.
 */
export const ItemId = (): ParameterDecorator => rawId(ItemIdPipe);

const rawId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<{ params?: Record<string, unknown> }>().params?.id,
);
