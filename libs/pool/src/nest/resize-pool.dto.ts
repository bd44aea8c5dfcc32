import { IsInt, Max, Min } from 'class-validator';

/** Body of `POST admin/pools/:name/resize`. */
export class ResizePoolDto {
  @IsInt() @Min(0) @Max(100_000) min!: number;
  @IsInt() @Min(1) @Max(100_000) max!: number;
}
