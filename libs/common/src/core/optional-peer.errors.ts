import { StewardError } from './steward.error.js';

/** A feature needs an optional peer dependency the app has not installed. */
export class OptionalPeerMissingError extends StewardError {
  constructor(
    readonly peer: string,
    readonly feature: string,
  ) {
    super(
      'STEWARD_OPTIONAL_PEER_MISSING',
      `${feature} needs the optional peer '${peer}': npm install ${peer}`,
    );
  }
}
