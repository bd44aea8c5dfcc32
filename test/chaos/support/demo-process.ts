import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

/** The built demo (`npm run build`) started as its own process, the way production runs it. */
export interface DemoProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const root = resolve(import.meta.dirname, '../../..');
const entry = resolve(root, 'dist/apps/demo/src/main.js');

/** Starts the demo on a free port and waits for its start-up line; kills it if it does not come up. */
export async function startDemo(
  env: Record<string, string> = {},
  startTimeoutMs = 20_000,
): Promise<DemoProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, PORT: '0', NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not start within ${startTimeoutMs} ms:\n${text}`));
    }, startTimeoutMs);
    const onData = (): void => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolveUrl(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`demo exited before listening (code ${code}, signal ${signal}):\n${text}`));
    });
  });
  return { child, url, output: () => text, exited };
}
