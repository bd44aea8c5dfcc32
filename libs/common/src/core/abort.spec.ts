import { getEventListeners } from 'node:events';
import { linkAbort } from './abort.js';

describe('linkAbort', () => {
  it('propagates the parent abort and leaves no listener once unlinked', () => {
    const parent = new AbortController();
    for (let i = 0; i < 10_000; i++) {
      const child = new AbortController();
      const unlink = linkAbort(parent.signal, child);
      unlink();
    }
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);

    const child = new AbortController();
    linkAbort(parent.signal, child);
    parent.abort(new Error('shutdown'));
    expect(child.signal.aborted).toBe(true);
    expect((child.signal.reason as Error).message).toBe('shutdown');
  });

  it('aborts at once when the parent already has', () => {
    const child = new AbortController();
    linkAbort(AbortSignal.abort('gone'), child);
    expect(child.signal.reason).toBe('gone');
  });
});
