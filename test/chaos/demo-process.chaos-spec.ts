import { startDemo, type DemoProcess } from './support/demo-process.js';

// The built demo as a real process: it starts with no configuration, serves its probes, and exits 0 on SIGTERM.
describe('demo process', () => {
  let demo: DemoProcess | undefined;

  afterEach(async () => {
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    demo = undefined;
  }, 30_000);

  it('starts with no database or key configuration, answers /health/ready and exits 0 on SIGTERM', async () => {
    demo = await startDemo({ STEWARD_SHUTDOWN_DELAY_MS: '200', STEWARD_METRICS_PUBLIC: 'true' });
    const ready = await fetch(`${demo.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });

    const metrics = await fetch(`${demo.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');

    demo.child.kill('SIGTERM');
    const exit = await demo.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(demo.output()).not.toMatch(/Error|Unhandled/);
  });
});
