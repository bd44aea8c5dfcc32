import { BlockList, isIP } from 'node:net';
import type { AccessRequest } from '../interfaces/decision.interface.js';
import { ConditionError } from './policy.errors.js';
import { issue } from './policy.messages.js';

/** A compiled condition: a closure over the request, no `eval`. Throws `ConditionError` when it cannot decide. */
export type CompiledCondition = (request: AccessRequest) => boolean;

/** Object keys that could reach a prototype; rejected anywhere in a policy. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Where compile problems go: a path relative to the policy and a message. */
export type IssueSink = (path: string, message: string) => void;

/** What compiling a condition needs: the nesting bound and the clock of time windows. */
export interface ConditionCompileOptions {
  readonly maxDepth: number;
  readonly now: () => number;
}

const MAX_LIST = 10_000;
const MAX_STRING = 1_024;
const MAX_REF_SEGMENTS = 8;
const SEGMENT = /^[A-Za-z0-9_$-]{1,64}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const BINARY = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'startsWith'] as const;
type BinaryOp = (typeof BINARY)[number];
const OPERATORS = new Set<string>(['all', 'any', 'not', 'has', 'cidr', 'timeWindow', ...BINARY]);

type Getter = (request: AccessRequest) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Validates and compiles a `when` condition in one pass. Reports every problem through `report` and
 * returns `undefined` when there was any.
 */
export function compileCondition(
  node: unknown,
  path: string,
  options: ConditionCompileOptions,
  report: IssueSink,
): CompiledCondition | undefined {
  let failed = false;
  const sink: IssueSink = (p, m) => {
    failed = true;
    report(p, m);
  };
  const compiled = compileNode(node, path, 1, options, sink);
  return failed ? undefined : compiled;
}

/**
 * Whether a valid condition may read `request.context`: it names a `context.` path, or it is a time
 * window (which reads `context.time`). Errs towards true; a caller may skip building the context on false.
 */
export function conditionReadsContext(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(conditionReadsContext);
  if (!isPlainObject(node)) return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'timeWindow') return true;
    if ((key === 'has' || key === 'ref') && typeof value === 'string' && value.split('.')[0] === 'context') {
      return true;
    }
    if (conditionReadsContext(value)) return true;
  }
  return false;
}

function compileNode(
  node: unknown,
  path: string,
  depth: number,
  options: ConditionCompileOptions,
  report: IssueSink,
): CompiledCondition | undefined {
  if (depth > options.maxDepth) {
    report(path, issue.tooDeep(options.maxDepth));
    return undefined;
  }
  if (!isPlainObject(node)) {
    report(path, issue.notObject);
    return undefined;
  }
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    for (const key of keys) if (PROTOTYPE_KEYS.has(key)) report(`${path}.${key}`, issue.prototypeKey(key));
    report(path, issue.oneOperator);
    return undefined;
  }
  const op = keys[0]!;
  const arg = node[op];
  const at = `${path}.${op}`;
  if (PROTOTYPE_KEYS.has(op)) {
    report(at, issue.prototypeKey(op));
    return undefined;
  }
  if (!OPERATORS.has(op)) {
    report(at, issue.unknownOperator(op));
    return undefined;
  }
  switch (op) {
    case 'all':
    case 'any': {
      if (!Array.isArray(arg)) {
        report(at, issue.notArray);
        return undefined;
      }
      if (arg.length === 0) {
        report(at, issue.emptyList);
        return undefined;
      }
      if (arg.length > MAX_LIST) {
        report(at, issue.tooLong(MAX_LIST));
        return undefined;
      }
      const parts = arg.map((child, i) => compileNode(child, `${at}[${i}]`, depth + 1, options, report));
      if (parts.some((p) => p === undefined)) return undefined;
      return op === 'all' ? allOf(parts as CompiledCondition[]) : anyOf(parts as CompiledCondition[]);
    }
    case 'not': {
      const inner = compileNode(arg, at, depth + 1, options, report);
      return inner && ((request) => !inner(request));
    }
    case 'has': {
      const getter = typeof arg === 'string' ? compileRef(arg) : undefined;
      if (!getter) {
        report(at, issue.badRef(typeof arg === 'string' ? arg : String(arg)));
        return undefined;
      }
      return (request) => {
        try {
          return getter(request) !== undefined;
        } catch (error) {
          if (error instanceof ConditionError) return false;
          throw error;
        }
      };
    }
    case 'cidr':
      return compileCidr(arg, at, report);
    case 'timeWindow':
      return compileTimeWindow(arg, at, options.now, report);
    default:
      return compileBinary(op as BinaryOp, arg, at, report);
  }
}

function allOf(parts: CompiledCondition[]): CompiledCondition {
  if (parts.length === 1) return parts[0]!;
  return (request) => {
    for (const part of parts) if (!part(request)) return false;
    return true;
  };
}

function anyOf(parts: CompiledCondition[]): CompiledCondition {
  if (parts.length === 1) return parts[0]!;
  return (request) => {
    for (const part of parts) if (part(request)) return true;
    return false;
  };
}

function compileBinary(
  op: BinaryOp,
  arg: unknown,
  at: string,
  report: IssueSink,
): CompiledCondition | undefined {
  if (!Array.isArray(arg) || arg.length !== 2) {
    report(at, issue.pair);
    return undefined;
  }
  const left = compileOperand(arg[0], `${at}[0]`, report);
  const right = compileOperand(arg[1], `${at}[1]`, report);
  if (!left || !right) return undefined;
  switch (op) {
    case 'eq':
      return (r) => {
        const a = left(r);
        const b = right(r);
        return a === b || equalLists(a, b);
      };
    case 'ne':
      return (r) => {
        const a = left(r);
        const b = right(r);
        return a !== b && !equalLists(a, b);
      };
    case 'in': {
      // A literal list becomes a Set once, so membership stays O(1) with long lists.
      if (Array.isArray(arg[1])) {
        const set = new Set<unknown>(arg[1] as unknown[]);
        return (r) => set.has(scalar(left(r), 'in'));
      }
      return (r) => {
        const list = right(r);
        if (!Array.isArray(list)) throw new ConditionError('in: right operand is not a list');
        return list.includes(scalar(left(r), 'in'));
      };
    }
    case 'lt':
      return (r) => number(left(r), op) < number(right(r), op);
    case 'lte':
      return (r) => number(left(r), op) <= number(right(r), op);
    case 'gt':
      return (r) => number(left(r), op) > number(right(r), op);
    case 'gte':
      return (r) => number(left(r), op) >= number(right(r), op);
    case 'startsWith':
      return (r) => string(left(r), op).startsWith(string(right(r), op));
  }
}

function compileCidr(arg: unknown, at: string, report: IssueSink): CompiledCondition | undefined {
  if (!Array.isArray(arg) || arg.length !== 2) {
    report(at, issue.pair);
    return undefined;
  }
  const address = compileOperand(arg[0], `${at}[0]`, report);
  const block = parseCidr(arg[1]);
  if (!block) report(`${at}[1]`, issue.badCidr);
  if (!address || !block) return undefined;
  return (request) => {
    const value = address(request);
    if (typeof value !== 'string') throw new ConditionError('cidr: address is not a string');
    const ip = unmapIpv4(value);
    const family = isIP(ip);
    if (family === 0) throw new ConditionError('cidr: address is not an IP');
    return block.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function parseCidr(value: unknown): BlockList | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return undefined;
  const family = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  const list = new BlockList();
  list.addSubnet(match[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list;
}

// Express reports IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d; match them as IPv4.
function unmapIpv4(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function compileTimeWindow(
  arg: unknown,
  at: string,
  now: () => number,
  report: IssueSink,
): CompiledCondition | undefined {
  if (!isPlainObject(arg)) {
    report(at, issue.notObject);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(arg)) {
    if (key !== 'from' && key !== 'to' && key !== 'tz') {
      report(`${at}.${key}`, PROTOTYPE_KEYS.has(key) ? issue.prototypeKey(key) : issue.unknownKey(key));
      ok = false;
    }
  }
  const from = minutes(arg.from);
  const to = minutes(arg.to);
  if (from === undefined) report(`${at}.from`, issue.badTime);
  if (to === undefined) report(`${at}.to`, issue.badTime);
  if (arg.tz !== undefined && arg.tz !== 'UTC') {
    report(`${at}.tz`, issue.badTz);
    ok = false;
  }
  if (!ok || from === undefined || to === undefined) return undefined;
  if (from === to) {
    report(`${at}.to`, 'must differ from "from"');
    return undefined;
  }
  return (request) => {
    const at = requestTime(request, now);
    const m = at.getUTCHours() * 60 + at.getUTCMinutes();
    return from < to ? m >= from && m < to : m >= from || m < to;
  };
}

function requestTime(request: AccessRequest, now: () => number): Date {
  const context = request.context;
  const raw = context && hasOwn.call(context, 'time') ? context.time : undefined;
  const time =
    raw === undefined
      ? new Date(now())
      : raw instanceof Date
        ? raw
        : typeof raw === 'string' || typeof raw === 'number'
          ? new Date(raw)
          : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw new ConditionError('timeWindow: context.time is not a time');
  return time;
}

function minutes(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = HHMM.exec(value);
  if (!match) return undefined;
  return match[1] === undefined ? 24 * 60 : Number(match[1]) * 60 + Number(match[2]);
}

function compileOperand(value: unknown, at: string, report: IssueSink): Getter | undefined {
  if (isLiteral(value)) return () => value;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST) {
      report(at, issue.tooLong(MAX_LIST));
      return undefined;
    }
    if (!value.every(isLiteral)) {
      report(at, issue.badOperand);
      return undefined;
    }
    const list = Object.freeze([...value]);
    return () => list;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    for (const key of keys) {
      if (PROTOTYPE_KEYS.has(key)) {
        report(`${at}.${key}`, issue.prototypeKey(key));
        return undefined;
      }
    }
    if (keys.length === 1 && keys[0] === 'ref' && typeof value.ref === 'string') {
      const getter = compileRef(value.ref);
      if (!getter) report(`${at}.ref`, issue.badRef(value.ref));
      return getter;
    }
  }
  report(at, issue.badOperand);
  return undefined;
}

/** Compiles `principal.attributes.dept`-style paths to a getter that only follows own properties. */
export function compileRef(ref: string): Getter | undefined {
  if (ref.length > MAX_STRING) return undefined;
  const segments = ref.split('.');
  if (segments.length > MAX_REF_SEGMENTS) return undefined;
  if (segments.some((s) => !SEGMENT.test(s) || PROTOTYPE_KEYS.has(s))) return undefined;
  const [root, field, ...rest] = segments;
  // One closure per field, with a fixed property name: the hot path does no keyed lookups.
  switch (root) {
    case 'principal':
      if (rest.length === 0) {
        switch (field) {
          case 'id':
            return (r) => present(r.principal.id, ref);
          case 'roles':
            return (r) => present(r.principal.roles, ref);
          case 'tenant':
            return (r) => present(r.principal.tenant, ref);
          case 'authMethod':
            return (r) => present(r.principal.authMethod, ref);
        }
        return undefined;
      }
      if (field === 'attributes') return walker((r) => r.principal.attributes, rest, ref);
      return undefined;
    case 'resource':
      if (rest.length === 0) {
        if (field === 'type') return (r) => present(r.resource.type, ref);
        if (field === 'id') return (r) => present(r.resource.id, ref);
        return undefined;
      }
      if (field === 'attributes') return walker((r) => r.resource.attributes, rest, ref);
      return undefined;
    case 'context':
      if (field === undefined) return undefined;
      return walker((r) => r.context, [field, ...rest], ref);
    default:
      return undefined;
  }
}

function walker(start: Getter, path: readonly string[], ref: string): Getter {
  if (path.length === 1) {
    const key = path[0]!;
    return (request) => {
      const value = start(request);
      if (value === null || typeof value !== 'object' || !hasOwn.call(value, key)) {
        throw new ConditionError(`missing attribute ${ref}`);
      }
      return present((value as Record<string, unknown>)[key], ref);
    };
  }
  return (request) => {
    let value = start(request);
    for (const key of path) {
      if (value === null || typeof value !== 'object' || !hasOwn.call(value, key)) {
        throw new ConditionError(`missing attribute ${ref}`);
      }
      value = (value as Record<string, unknown>)[key];
    }
    return present(value, ref);
  };
}

function present(value: unknown, ref: string): unknown {
  if (value === undefined) throw new ConditionError(`missing attribute ${ref}`);
  return value;
}

function equalLists(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
}

function scalar(value: unknown, op: string): unknown {
  if (value !== null && typeof value === 'object')
    throw new ConditionError(`${op}: left operand is not a scalar`);
  return value;
}

function number(value: unknown, op: string): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new ConditionError(`${op}: operand is not a number`);
  return value;
}

function string(value: unknown, op: string): string {
  if (typeof value !== 'string') throw new ConditionError(`${op}: operand is not a string`);
  return value;
}

/** A JSON scalar that a policy may hold. */
export function isLiteral(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= MAX_STRING)
  );
}

/** A non-null, non-array object whose prototype is an Object.prototype (of any realm) or null: what JSON.parse yields. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}
