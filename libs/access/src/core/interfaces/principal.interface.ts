/** Who is calling, as established by an authenticator. */
export interface Principal {
  readonly id: string;
  readonly roles: readonly string[];
  readonly tenant?: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Which authenticator produced it: 'api-key' | 'jwt' | 'upstream' | … */
  readonly authMethod: string;
}
