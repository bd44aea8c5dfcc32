import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';

/**
 * Test support: a port on which a TCP connect never completes. A stopped child listens with a
 * backlog of 1; once its accept queue is full the kernel drops further SYNs, so `connect()` hangs.
 */
export class StalledListener implements AsyncDisposable {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly fillers: Socket[],
  ) {}

  static async open(): Promise<StalledListener> {
    const script =
      "const s=require('net').createServer();" +
      "s.listen({port:0,host:'127.0.0.1',backlog:1},()=>process.stdout.write(s.address().port+'\\n'))";
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
    });
    child.kill('SIGSTOP');
    await waitStopped(child.pid!);
    // backlog 1 admits two completed handshakes; after that the listener is saturated.
    const fillers = await Promise.all([fill(port), fill(port)]);
    return new StalledListener(port, child, fillers);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.fillers) socket.destroy();
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

function fill(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

async function waitStopped(pid: number): Promise<void> {
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state: T = stopped.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
