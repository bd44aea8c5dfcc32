import { jest } from '@jest/globals';
import { notifyListeners } from './notify-listeners.js';

describe('notifyListeners', () => {
  it('calls every listener even when one throws, and reports the throw as a process warning', () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const seen: string[] = [];
      const listeners = new Set<(payload: string) => void>();
      listeners.add(() => {
        throw new Error('observer bug');
      });
      // Unsubscribing during the call must not skip or break the rest.
      const selfRemoving = (p: string): void => void (listeners.delete(selfRemoving), seen.push(`once:${p}`));
      listeners.add(selfRemoving);
      listeners.add((p) => seen.push(p));
      expect(() => notifyListeners(listeners, 'e1', 'test')).not.toThrow();
      notifyListeners(listeners, 'e2', 'test');
      expect(seen).toEqual(['once:e1', 'e1', 'e2']);
      expect(warning).toHaveBeenCalledTimes(2);
      expect(warning).toHaveBeenCalledWith('test listener threw: observer bug', {
        code: 'STEWARD_LISTENER_ERROR',
      });
    } finally {
      warning.mockRestore();
    }
  });
});
