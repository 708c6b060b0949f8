import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer } from './http-server.js';
import { silentLogger } from '../shared/logger.js';

const quiet = silentLogger;

/** Sends raw bytes and returns the status line of the answer (or '' when the socket just closed). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1'); });
    socket.on('end', () => { resolve(answer.split('\r\n')[0] ?? ''); });
    socket.on('error', reject);
  });
}

describe('HttpServer', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function started(): Promise<number> {
    server = new HttpServer(quiet);
    server.route('GET', '/items/:id', (request) => Promise.resolve({ status: 200, body: `item ${request.params.id ?? ''}` }));
    server.route('POST', '/boom', () => Promise.reject(new Error('handler failed')));
    return server.listen('127.0.0.1', 0);
  }

  it('routes with parameters, and answers 404 and 405 by path and method', async () => {
    const port = await started();
    expect(await (await fetch(`http://127.0.0.1:${port}/items/a%20b`)).text()).toBe('item a b');
    expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
    const wrongMethod = await fetch(`http://127.0.0.1:${port}/items/1`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('decodes an encoded slash inside a parameter without splitting the path on it', async () => {
    const port = await started();
    expect(await (await fetch(`http://127.0.0.1:${port}/items/eu%2Fvoice`)).text()).toBe('item eu/voice');
    expect(await (await fetch(`http://127.0.0.1:${port}/items/7/`)).text()).toBe('item 7');
    expect((await fetch(`http://127.0.0.1:${port}/items/7/more`)).status).toBe(404);
  });

  it('answers a parameter that is not valid percent-encoding with 404 or 400, and keeps serving', async () => {
    const port = await started();
    expect(await raw(port, 'GET /items/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 (400|404)/);
    expect((await fetch(`http://127.0.0.1:${port}/items/4`)).status).toBe(200);
  });

  it('refuses to register a method it cannot serve', () => {
    server = new HttpServer(quiet);
    expect(() => { server?.route('BREW', '/coffee', () => Promise.resolve({ status: 418, body: '' })); }).toThrow(/BREW/);
  });

  it('answers 500 when a handler fails, and keeps serving', async () => {
    const port = await started();
    expect((await fetch(`http://127.0.0.1:${port}/boom`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${port}/items/2`)).status).toBe(200);
  });

  it.each(['GET http://[ HTTP/1.1', 'GET http://a:b@/x HTTP/1.1'])('answers 400 to the unparseable target in %j and keeps serving', async (line) => {
    const port = await started();
    expect(await raw(port, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`http://127.0.0.1:${port}/items/3`)).status).toBe(200);
  });

  it('refuses a body over 256 KiB with 413', async () => {
    server = new HttpServer(quiet);
    server.route('POST', '/hook', () => Promise.resolve({ status: 200, body: 'ok' }));
    const port = await server.listen('127.0.0.1', 0);
    expect((await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', body: 'x'.repeat(300 * 1024) })).status).toBe(413);
  });
});
