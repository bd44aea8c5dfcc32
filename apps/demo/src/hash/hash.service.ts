import { Injectable } from '@nestjs/common';
import { InjectPool, type Pool } from '@steward/pool';
import { type WorkerProcess } from '@steward/pool/process';
import { HASH_POOL } from '../demo.constants.js';

/** What `POST /hash` answers. */
export interface HashResult {
  algorithm: string;
  salt: string;
  hash: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** scrypt in the `hash` pool of worker processes, so CPU work never blocks the API's event loop. */
@Injectable()
export class HashService {
  constructor(@InjectPool(HASH_POOL) private readonly workers: Pool<WorkerProcess>) {}

  hash(password: string, salt?: string): Promise<HashResult> {
    return this.workers.use((worker) =>
      worker.request<HashResult>({ password, salt }, { timeoutMs: REQUEST_TIMEOUT_MS }),
    );
  }
}
