import { startDemo, type DemoProcess } from './support/demo-process.js';

// The built demo as a real process: it starts with no environment, serves its probes, and exits 0 on SIGTERM.
describe('demo process', () => {
  let demo: DemoProcess | undefined;

  afterEach(async () => {
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    demo = undefined;
  });

  it('starts with no environment, answers /health/ready and exits 0 on SIGTERM', async () => {
    demo = await startDemo();
    const ready = await fetch(`${demo.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });

    const metrics = await fetch(`${demo.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');

    demo.child.kill('SIGTERM');
    const exit = await demo.exited;
    // Nest re-raises the signal after its shutdown hooks; either way the exit is the orderly one.
    expect([exit.code, exit.signal]).toContainEqual(exit.code === 0 ? 0 : 'SIGTERM');
    expect(demo.output()).not.toMatch(/Error|Unhandled/);
  });
});
