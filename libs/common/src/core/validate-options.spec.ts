import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { InvalidOptionsError } from './option.errors.js';
import { validateOptions } from './validate-options.js';

class Schema {
  @IsInt() @Min(1) max!: number;
  @IsString() @MinLength(32) pepper!: string;
}

describe('validateOptions', () => {
  it('lists every bad field without echoing values', () => {
    let caught: unknown;
    try {
      validateOptions(Schema, { max: 0, pepper: 'hunter2' }, 'demo');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const error = caught as InvalidOptionsError;
    expect(error.issues.map((i) => i.path).sort()).toEqual(['max', 'pepper']);
    expect(error.message).toContain('Invalid demo options');
    expect(error.message).not.toContain('hunter2');
  });

  it('returns the typed instance when valid', () => {
    const value = validateOptions(Schema, { max: 3, pepper: 'x'.repeat(32) }, 'demo');
    expect(value).toBeInstanceOf(Schema);
    expect(value.max).toBe(3);
  });
});
