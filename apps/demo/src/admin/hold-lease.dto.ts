import { IsInt, Max, Min } from 'class-validator';

/** How long to hold a lease, in ms (at most a minute). */
export class HoldLeaseDto {
  @IsInt()
  @Min(1)
  @Max(60_000)
  ms!: number;
}
