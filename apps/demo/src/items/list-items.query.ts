import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Query of `GET /items`. */
export class ListItemsQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  // Bounded like the ids: a larger offset reached PostgreSQL as "1e+20" and came back as a 500.
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(2_147_483_647) offset?: number;
}
