import { IsHexadecimal, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /hash`. */
export class HashRequestDto {
  @IsString() @MinLength(1) @MaxLength(1_024) password!: string;
  /** 16 bytes as hex; random when absent. */
  @IsOptional() @IsHexadecimal() @Length(32, 32) salt?: string;
}
