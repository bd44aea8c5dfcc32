import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';

/** Output of a command that ran to its end. */
export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a command to its end, keeping stdout and stderr together; never throws for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Like `run`, but throws with the output when the command fails. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code} in ${options.cwd}:\n${result.output}`,
    );
  }
  return result.output;
}

/** An HTTP answer: status, headers and body text. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on loopback. */
export function fetchLocal(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).once('error', reject);
  });
}

/** A fixture app running as its own process: the URL it printed and everything it logged. */
export interface RunningApp {
  child: ChildProcess;
  url: string;
  log(): string;
  /** Sends SIGTERM and resolves the exit code (SIGKILLs it after `graceMs`, then resolves null). */
  stop(graceMs: number): Promise<number | null>;
}

/** Starts `node <entry>` and waits for the line the fixture prints once it listens. */
export async function startApp(
  node: string,
  entry: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<RunningApp> {
  const child = spawn(node, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /fixture listening on (http:\/\/\S+)/.exec(log);
      if (match) resolve(match[1]!.replace('[::1]', '127.0.0.1'));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the app exited ${code} before listening:\n${log}`)));
  });
  return {
    child,
    url,
    log: () => log,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
