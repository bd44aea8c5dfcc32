import { StewardError } from '@steward/common';
import { AdapterMessages } from './adapter.messages.js';

/** The worker process or its channel died; the worker is not reusable. */
export class WorkerCrashedError extends StewardError {
  constructor(worker: string, options?: ErrorOptions) {
    super('POOL_WORKER_CRASHED', AdapterMessages.workerCrashed(worker), options);
  }
}

/** A request got no answer in time; the worker may still be busy with it, so it is not reusable. */
export class WorkerTimeoutError extends StewardError {
  constructor(worker: string, timeoutMs: number) {
    super('POOL_WORKER_TIMEOUT', AdapterMessages.workerTimeout(worker, timeoutMs));
  }
}

/** The worker's handler failed for this request; the worker itself is fine. */
export class WorkerRequestError extends StewardError {
  constructor(message: string) {
    super('POOL_WORKER_REQUEST_FAILED', AdapterMessages.processRequestFailed(message));
  }
}
