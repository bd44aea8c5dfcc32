import { jest } from '@jest/globals';
import { closeGracefully } from './graceful-close.js';

// destroy() of the pg and Redis adapters: a dead peer must not hold a destroy (and so a pool close) forever.
describe('closeGracefully', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('cuts the connection at the deadline when the goodbye never answers', async () => {
    jest.useFakeTimers();
    const cut = jest.fn<() => void>();
    let answer: () => void = () => undefined;
    const closing = closeGracefully(() => new Promise<void>((resolve) => (answer = resolve)), cut, 2_000);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(cut).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(cut).toHaveBeenCalledTimes(1);
    answer(); // the socket closing makes the goodbye settle
    await closing;
  });

  it('cuts at once when the goodbye fails, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    const cut = jest.fn<() => void>();
    await closeGracefully(() => Promise.reject(new Error('Connection is closed.')), cut, 2_000);
    expect(cut).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not cut a connection that said goodbye in time', async () => {
    jest.useFakeTimers();
    const cut = jest.fn<() => void>();
    await closeGracefully(() => Promise.resolve('OK'), cut, 2_000);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(cut).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
