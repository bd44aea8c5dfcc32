// A test worker for processFactory: echo, sleep (to time out), crash. Node built-ins and erasable TS only.
import { createServer } from 'node:net';

const server = createServer((socket) => {
  server.close();
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('error', () => process.exit(0));
  socket.on('close', () => process.exit(0));
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const message = JSON.parse(buffer.slice(0, newline)) as { id: number; ping?: boolean; payload?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
      buffer = buffer.slice(newline + 1);
      const reply = (body: object): boolean =>
        socket.write(`${JSON.stringify({ id: message.id, ...body })}\n`);
      if (message.ping) reply({ ok: true, result: 'pong' });
      else if (message.payload.op === 'echo')
        reply({ ok: true, result: { echo: message.payload.value, pid: process.pid } });
      else if (message.payload.op === 'fail') reply({ ok: false, error: 'handler failed' });
      else if (message.payload.op === 'crash') process.exit(3);
      // 'sleep': never answers
      newline = buffer.indexOf('\n');
    }
  });
});

server.listen(process.env.STEWARD_WORKER_SOCKET, () => console.log('steward-worker-ready'));
