/**
 * Runs a polite goodbye (`end()`, `QUIT`) but never waits for it longer than `timeoutMs`: a dead peer
 * never answers, so `cut` (destroy the socket) runs at the deadline or when the goodbye fails.
 */
export async function closeGracefully(
  goodbye: () => Promise<unknown>,
  cut: () => void,
  timeoutMs: number,
): Promise<void> {
  const timer = setTimeout(cut, timeoutMs);
  // A pending goodbye alone must not keep the process alive.
  timer.unref();
  try {
    await goodbye();
  } catch {
    cut();
  } finally {
    clearTimeout(timer);
  }
}
