import { Inject } from '@nestjs/common';
import { getPoolToken } from './pool.tokens.js';

/** Injects the pool registered under `name` (the default pool without one). */
export const InjectPool = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getPoolToken(name));
