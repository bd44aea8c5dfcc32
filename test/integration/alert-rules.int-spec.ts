import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
// One clear failure instead of `spawn promtool ENOENT` on a machine without it.
const run = (command: string, args: string[]) =>
  exec(command, args).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new Error(`${command} not found: install Debian's prometheus package (.ci/run does)`);
    }
    throw error;
  });
const rulesDir = resolve(import.meta.dirname, '../../apps/demo/prometheus');

// The shipped alerting rules, checked by Prometheus's own tool (Debian's `prometheus` package; .ci/run installs it).
describe('alerting rules (promtool)', () => {
  it('are valid rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', join(rulesDir, 'steward.rules.yml')]);
    expect(stdout).toMatch(/SUCCESS: 9 rules found/);
  });

  it('fire on the series that must fire them and stay quiet otherwise', async () => {
    const { stdout, stderr } = await run('promtool', [
      'test',
      'rules',
      join(rulesDir, 'steward.rules.test.yml'),
    ]);
    expect(`${stdout}${stderr}`).toMatch(/SUCCESS/);
  });

  it('fail the unit test when an alert is broken (the test above can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steward-rules-'));
    try {
      const rules = await readFile(join(rulesDir, 'steward.rules.yml'), 'utf8');
      // Raise the create-error threshold so the alert can no longer fire on the test series.
      await writeFile(join(dir, 'steward.rules.yml'), rules.replace('[5m])) > 0.1', '[5m])) > 1000'));
      await copyFile(join(rulesDir, 'steward.rules.test.yml'), join(dir, 'steward.rules.test.yml'));
      const failure = await run('promtool', ['test', 'rules', join(dir, 'steward.rules.test.yml')]).then(
        () => undefined,
        (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
      );
      expect(failure).toMatch(/FAILED[\s\S]*alertname: StewardPoolCreateErrors/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
