import { jest } from '@jest/globals';
import { SafeEmitter } from './safe-emitter.js';

describe('SafeEmitter', () => {
  it('keeps calling listeners after one throws and hands the error to the handler', () => {
    const errors: Array<[unknown, string]> = [];
    const emitter = new SafeEmitter<{ tick: number }>((error, event) => errors.push([error, event]));
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('listener bug');
    });
    const off = emitter.on('tick', (n) => seen.push(n));
    expect(() => emitter.emit('tick', 1)).not.toThrow();
    off();
    emitter.emit('tick', 2);
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(2); // the throwing listener stays subscribed and throws on each emit
    expect(errors[0]).toEqual([expect.objectContaining({ message: 'listener bug' }), 'tick']);
    expect(emitter.listenerCount('tick')).toBe(1);
  });

  it('reports a throwing listener as a process warning by default', () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const emitter = new SafeEmitter<{ tick: number }>();
      emitter.on('tick', () => {
        throw new Error('listener bug');
      });
      emitter.emit('tick', 1);
      expect(warning).toHaveBeenCalledWith(expect.stringContaining('listener bug'), {
        code: 'STEWARD_LISTENER_ERROR',
      });
    } finally {
      warning.mockRestore();
    }
  });
});
