import { CedarEvaluationError } from './cedar.errors.js';
import { evaluation } from './cedar.messages.js';
import {
  ExtensionValue,
  I64_MAX,
  I64_MIN,
  isLong,
  longFromBig,
  registerExtensionConstructor,
  typeName,
  type CedarValue,
} from './cedar-value.js';

// Cedar's extension types, parsed exactly as cedar-wasm 4.13 parses them: every accepted and refused
// input shape here was checked against it (see cedar-extensions.spec.ts and the differential test).

const fail = (fn: string, input: string): never => {
  throw new CedarEvaluationError(evaluation.extension(fn, input));
};

/** An `ipaddr`: address and prefix length; `ip("10.0.0.1/24")` keeps its host bits, as Cedar does. */
export class IpAddr extends ExtensionValue {
  readonly typeName = 'ipaddr';
  constructor(
    readonly v6: boolean,
    readonly addr: bigint,
    readonly prefix: number,
  ) {
    super();
  }

  equals(other: ExtensionValue): boolean {
    return (
      other instanceof IpAddr &&
      other.v6 === this.v6 &&
      other.addr === this.addr &&
      other.prefix === this.prefix
    );
  }

  private get width(): number {
    return this.v6 ? 128 : 32;
  }

  first(): bigint {
    const host = this.width - this.prefix;
    return (this.addr >> BigInt(host)) << BigInt(host);
  }

  last(): bigint {
    return this.first() | ((1n << BigInt(this.width - this.prefix)) - 1n);
  }

  isLoopback(): boolean {
    return this.v6 ? this.addr === 1n && this.prefix >= 128 : this.addr >> 24n === 127n && this.prefix >= 8;
  }

  isMulticast(): boolean {
    return this.v6
      ? this.addr >> 120n === 0xffn && this.prefix >= 8
      : this.addr >> 28n === 0xen && this.prefix >= 4;
  }

  isInRange(range: IpAddr): boolean {
    return this.v6 === range.v6 && range.first() <= this.first() && this.last() <= range.last();
  }
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(0|[1-9][0-9]*)$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  if (!groups.every((g) => V6_GROUP.test(g))) return undefined;
  return groups.map((g) => BigInt(`0x${g}`));
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  // Without "::" exactly eight groups; "::" stands for at least one zero group.
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return undefined;
  const groups = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

/** `ip(text)`: an IPv4 or IPv6 address with an optional prefix; no IPv4 embedded in IPv6, no zones. */
export function parseIp(text: string): IpAddr {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const v6 = address.includes(':');
  if (v6 && text.includes('.')) fail('ip', text);
  const addr = v6 ? parseV6(address) : parseV4(address);
  if (addr === undefined) return fail('ip', text);
  const width = v6 ? 128 : 32;
  let prefix = width;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!PREFIX.test(digits) || digits.length > 3 || Number(digits) > width) fail('ip', text);
    prefix = Number(digits);
  }
  return new IpAddr(v6, addr, prefix);
}

/** A `decimal`: a fixed-point number with four decimal places, stored as an i64 count of 10^-4. */
export class Decimal extends ExtensionValue {
  readonly typeName = 'decimal';
  constructor(readonly value: bigint) {
    super();
  }

  equals(other: ExtensionValue): boolean {
    return other instanceof Decimal && other.value === this.value;
  }
}

const DECIMAL = /^(-?)([0-9]+)\.([0-9]+)$/;

/** `decimal(text)`: `-?digits.digits` with one to four decimals, inside i64 once scaled. */
export function parseDecimal(text: string): Decimal {
  const match = DECIMAL.exec(text);
  if (!match || match[3]!.length > 4) return fail('decimal', text);
  const magnitude = BigInt(match[2]!) * 10_000n + BigInt(match[3]!.padEnd(4, '0'));
  const value = match[1] === '-' ? -magnitude : magnitude;
  if (value > I64_MAX || value < I64_MIN) fail('decimal', text);
  return new Decimal(value);
}

/** A `datetime`: milliseconds since the Unix epoch (i64). */
export class Datetime extends ExtensionValue {
  readonly typeName = 'datetime';
  constructor(readonly ms: bigint) {
    super();
  }

  equals(other: ExtensionValue): boolean {
    return other instanceof Datetime && other.ms === this.ms;
  }
}

/** A `duration`: milliseconds (i64). */
export class Duration extends ExtensionValue {
  readonly typeName = 'duration';
  constructor(readonly ms: bigint) {
    super();
  }

  equals(other: ExtensionValue): boolean {
    return other instanceof Duration && other.ms === this.ms;
  }
}

const DATETIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{3}))?(?:Z|([+-])([0-9]{2})([0-9]{2})))?$/;
const DAY_MS = 86_400_000n;

/** `datetime(text)`: `YYYY-MM-DD`, optionally `Thh:mm:ss`, `.SSS`, then `Z` or `±hhmm` (offset under 24 h). */
export function parseDatetime(text: string): Datetime {
  const m = DATETIME.exec(text);
  if (!m) return fail('datetime', text);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    fail('datetime', text);
  }
  let ms = BigInt(date.getTime());
  if (m[4] !== undefined) {
    const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
    if (h > 23 || min > 59 || s > 59) fail('datetime', text);
    ms += BigInt(((h * 60 + min) * 60 + s) * 1000 + Number(m[7] ?? 0));
    if (m[8] !== undefined) {
      const [oh, om] = [Number(m[9]), Number(m[10])];
      if (oh > 23 || om > 59) fail('datetime', text);
      const offset = BigInt((oh * 60 + om) * 60_000);
      ms = m[8] === '+' ? ms - offset : ms + offset;
    }
  }
  return new Datetime(ms);
}

const DURATION = /^(-?)(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m(?!s))?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;
const UNIT_MS = [86_400_000n, 3_600_000n, 60_000n, 1_000n, 1n];

/** `duration(text)`: `-?` then at least one of `Nd`, `Nh`, `Nm`, `Ns`, `Nms`, in that order, inside i64 ms. */
export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m || m.slice(2).every((part) => part === undefined)) return fail('duration', text);
  let ms = 0n;
  for (let i = 0; i < UNIT_MS.length; i++) {
    if (m[i + 2] !== undefined) ms += BigInt(m[i + 2]!) * UNIT_MS[i]!;
    if (ms > I64_MAX + 1n) fail('duration', text);
  }
  const value = m[1] === '-' ? -ms : ms;
  if (value > I64_MAX || value < I64_MIN) fail('duration', text);
  return new Duration(value);
}

function checkedMs(value: bigint, what: string): bigint {
  if (value > I64_MAX || value < I64_MIN) throw new CedarEvaluationError(evaluation.overflow(what));
  return value;
}

/** Floor division by a positive divisor, as `toDate` / `toTime` need for times before 1970. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function expect<T extends ExtensionValue>(
  value: CedarValue,
  kind: abstract new (...args: never[]) => T,
  name: string,
): T {
  if (value instanceof kind) return value;
  throw new CedarEvaluationError(evaluation.type(name, typeName(value)));
}

function expectString(value: CedarValue): string {
  if (typeof value === 'string') return value;
  throw new CedarEvaluationError(evaluation.type('string', typeName(value)));
}

/** An extension function: its arity and body. Constructors take one string. */
export interface ExtensionFunction {
  readonly arity: number;
  readonly call: (args: readonly CedarValue[]) => CedarValue;
}

const unary = (call: (a: CedarValue) => CedarValue): ExtensionFunction => ({
  arity: 1,
  call: (x) => call(x[0]!),
});
const binary = (call: (a: CedarValue, b: CedarValue) => CedarValue): ExtensionFunction => ({
  arity: 2,
  call: (x) => call(x[0]!, x[1]!),
});
const ipOf = (v: CedarValue): IpAddr => expect(v, IpAddr, 'ipaddr');
const decOf = (v: CedarValue): Decimal => expect(v, Decimal, 'decimal');
const dtOf = (v: CedarValue): Datetime => expect(v, Datetime, 'datetime');
const durOf = (v: CedarValue): Duration => expect(v, Duration, 'duration');
const durationPart = (divisor: bigint) =>
  unary((d) => longFromBig(durOf(d).ms / divisor, () => 'convert a duration'));

/** Every extension function cedar-wasm 4.13 evaluates, by the name its JSON form uses. */
export const EXTENSION_FUNCTIONS: ReadonlyMap<string, ExtensionFunction> = new Map([
  ['ip', unary((s) => parseIp(expectString(s)))],
  ['isIpv4', unary((a) => !ipOf(a).v6)],
  ['isIpv6', unary((a) => ipOf(a).v6)],
  ['isLoopback', unary((a) => ipOf(a).isLoopback())],
  ['isMulticast', unary((a) => ipOf(a).isMulticast())],
  ['isInRange', binary((a, b) => ipOf(a).isInRange(ipOf(b)))],
  ['decimal', unary((s) => parseDecimal(expectString(s)))],
  ['lessThan', binary((a, b) => decOf(a).value < decOf(b).value)],
  ['lessThanOrEqual', binary((a, b) => decOf(a).value <= decOf(b).value)],
  ['greaterThan', binary((a, b) => decOf(a).value > decOf(b).value)],
  ['greaterThanOrEqual', binary((a, b) => decOf(a).value >= decOf(b).value)],
  ['datetime', unary((s) => parseDatetime(expectString(s)))],
  ['duration', unary((s) => parseDuration(expectString(s)))],
  ['offset', binary((a, b) => new Datetime(checkedMs(dtOf(a).ms + durOf(b).ms, 'offset a datetime')))],
  ['durationSince', binary((a, b) => new Duration(checkedMs(dtOf(a).ms - dtOf(b).ms, 'subtract datetimes')))],
  ['toDate', unary((a) => new Datetime(floorDiv(dtOf(a).ms, DAY_MS) * DAY_MS))],
  ['toTime', unary((a) => new Duration(dtOf(a).ms - floorDiv(dtOf(a).ms, DAY_MS) * DAY_MS))],
  ['toDays', durationPart(86_400_000n)],
  ['toHours', durationPart(3_600_000n)],
  ['toMinutes', durationPart(60_000n)],
  ['toSeconds', durationPart(1_000n)],
  ['toMilliseconds', durationPart(1n)],
]);

/** `<`, `<=`, `>`, `>=` take two Longs, two datetimes or two durations. */
export function compareValues(a: CedarValue, b: CedarValue): number {
  if (isLong(a)) {
    if (!isLong(b)) throw new CedarEvaluationError(evaluation.type('long', typeName(b)));
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (a instanceof Datetime || a instanceof Duration) {
    const other = a instanceof Datetime ? dtOf(b) : durOf(b);
    return a.ms < other.ms ? -1 : a.ms > other.ms ? 1 : 0;
  }
  throw new CedarEvaluationError(evaluation.type('long, datetime or duration', typeName(a)));
}

// Entity data may carry extension values as `{ "__extn": { "fn": "ip", "arg": "10.0.0.1" } }`.
registerExtensionConstructor((fn, arg) => {
  const constructor = ['ip', 'ipaddr', 'decimal', 'datetime', 'duration'].includes(fn)
    ? EXTENSION_FUNCTIONS.get(fn === 'ipaddr' ? 'ip' : fn)!
    : undefined;
  if (!constructor) throw new CedarEvaluationError(evaluation.badData(`extension ${fn}`));
  return constructor.call([arg]);
});

export { I64_MAX, I64_MIN };
