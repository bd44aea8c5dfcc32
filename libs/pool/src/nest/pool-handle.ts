import type { Pool } from '../core/pool.js';

/**
 * A `Pool` that forwards every call to the engine its host runs now. `@InjectPool` hands this out, so
 * when an operator drains a pool and resumes it (a fresh engine), everyone who injected it keeps
 * working with the same object. Methods are bound once per engine: a call costs one map lookup more.
 */
export function poolHandle<T>(current: () => Pool<T>): Pool<T> {
  let boundFor: Pool<T> | undefined;
  let bound = new WeakMap<object, unknown>();
  return new Proxy(current(), {
    get(_initial, key) {
      const engine = current();
      const value: unknown = Reflect.get(engine, key, engine);
      // Own properties (a test's spy, a field) as they are; the class's methods bound to the engine.
      if (typeof value !== 'function' || Object.hasOwn(engine, key)) return value;
      if (engine !== boundFor) {
        boundFor = engine;
        bound = new WeakMap();
      }
      let method = bound.get(value);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(engine);
        bound.set(value, method);
      }
      return method;
    },
    set(_initial, key, value) {
      return Reflect.set(current(), key, value);
    },
    has(_initial, key) {
      return Reflect.has(current(), key);
    },
    defineProperty(_initial, key, descriptor) {
      return Reflect.defineProperty(current(), key, descriptor);
    },
    deleteProperty(_initial, key) {
      return Reflect.deleteProperty(current(), key);
    },
    getOwnPropertyDescriptor(_initial, key) {
      return Reflect.getOwnPropertyDescriptor(current(), key);
    },
  });
}
