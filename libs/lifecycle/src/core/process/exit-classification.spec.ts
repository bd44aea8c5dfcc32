import { classifyExit, shouldRestart, type ExitKind, type RestartPolicy } from './exit-classification.js';
import { OutputBuffer } from './output-buffer.js';

describe('classifyExit (systemd semantics)', () => {
  it('treats code 0 and SIGHUP/SIGINT/SIGTERM/SIGPIPE as clean, anything else as a failure', () => {
    expect(classifyExit(0, null).kind).toBe('clean');
    expect(classifyExit(1, null).kind).toBe('exit-code');
    expect(classifyExit(143, null).kind).toBe('exit-code');
    for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE'] as const) {
      expect(classifyExit(null, signal).kind).toBe('clean');
    }
    for (const signal of ['SIGKILL', 'SIGSEGV', 'SIGABRT'] as const) {
      expect(classifyExit(null, signal)).toEqual({ kind: 'signal', code: null, signal });
    }
  });

  it('restarts as Restart=no / on-failure / always, never after a spawn error', () => {
    const kinds: ExitKind[] = ['clean', 'exit-code', 'signal', 'timeout', 'spawn-error'];
    const table = (policy: RestartPolicy) => kinds.map((k) => shouldRestart(policy, k));
    expect(table('never')).toEqual([false, false, false, false, false]);
    expect(table('on-failure')).toEqual([false, true, true, true, false]);
    expect(table('always')).toEqual([true, true, true, true, false]);
  });
});

describe('OutputBuffer', () => {
  it('keeps only the newest bytes up to its limit and counts every byte', () => {
    const buffer = new OutputBuffer(10);
    buffer.push(Buffer.from('0123456'));
    buffer.push(Buffer.from('789ab'));
    expect(buffer.text()).toBe('23456789ab');
    buffer.push(Buffer.from('this chunk alone is longer than the limit'));
    expect(buffer.text()).toBe(' the limit');
    buffer.push(Buffer.from('XY'));
    expect(buffer.text()).toBe('he limitXY');
    expect(buffer.bytes).toBe(10);
    expect(buffer.totalBytes).toBe(7 + 5 + 41 + 2);
  });
});
