import { Reflector } from '@nestjs/core';
import { PUBLIC_METADATA_KEY } from './access.constants.js';

/** Marks a route or controller as reachable without credentials; `AccessGuard` lets it through. */
export const Public = Reflector.createDecorator<void, true>({
  key: PUBLIC_METADATA_KEY,
  transform: () => true,
});
