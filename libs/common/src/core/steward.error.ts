/** Base class of every error Steward throws: a stable machine-readable `code` beside the message. */
export class StewardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
