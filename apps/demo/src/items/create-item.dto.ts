import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

// PostgreSQL text cannot hold U+0000: without this check such a body is a 500 there and a 201 on SQLite.
const NO_NUL = /^[^\u0000]*$/;

/** Body of `POST /items`. */
export class CreateItemDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_NUL, { message: 'name must not contain NUL characters' })
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  @Matches(NO_NUL, { message: 'description must not contain NUL characters' })
  description?: string;
}
