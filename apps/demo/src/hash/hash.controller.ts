import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Requires } from '@steward/access';
import { HashRequestDto } from './hash-request.dto.js';
import { HashService, type HashResult } from './hash.service.js';

/** CPU-heavy work through the worker-process pool. */
@Controller('hash')
export class HashController {
  constructor(private readonly hashes: HashService) {}

  @Post()
  @HttpCode(200)
  @Requires('hash:compute', { resource: { type: 'hash' } })
  hash(@Body() body: HashRequestDto): Promise<HashResult> {
    return this.hashes.hash(body.password, body.salt);
  }
}
