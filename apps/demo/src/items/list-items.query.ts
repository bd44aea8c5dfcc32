import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Query of `GET /items`. */
export class ListItemsQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  /** The last id of the previous page (keyset cursor); bounded like the ids, so it never reaches the database as "1e+20". */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(2_147_483_647) after?: number;
}
