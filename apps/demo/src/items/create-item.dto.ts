import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /items`. */
export class CreateItemDto {
  @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @IsOptional() @IsString() @MaxLength(2_000) description?: string;
}
