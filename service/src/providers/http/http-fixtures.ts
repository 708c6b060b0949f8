/**
 * Test fixtures (specs only; `*-fixtures.ts` stays out of the build): a loopback stand-in for the
 * service's webhook endpoint that runs every request through `handleWebhook` and serves an answer
 * document for calls, so simulator → signed webhook → verification runs over real HTTP.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderVoiceAnswer, VOICE_ANSWER_CONTENT_TYPE, type VoiceAnswerFormat } from '../voice/answer-document.js';
import { handleWebhook, verifyWebhookRequest, type WebhookConfig, type WebhookRequest, type WebhookResult } from './webhooks.js';

/** One request the receiver handled, with what the handler made of it. */
export interface ReceivedWebhook {
  readonly request: WebhookRequest;
  readonly result: WebhookResult;
}

/** A request to the answer URL, with the document served. */
export interface AnswerRequest {
  readonly request: WebhookRequest;
  readonly verified: boolean;
}

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT`; reports go to `/status`, answer documents are served at `/answer`. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  readonly answers: AnswerRequest[];
  close(): Promise<void>;
}

/**
 * Starts a receiver handling `/status…` with `config`. `/answer…` serves the voice document of
 * `answerKind` after checking the request's signature the same way (the provider signs it too).
 */
export async function startWebhookReceiver(config: WebhookConfig, answerKind: VoiceAnswerFormat = 'twiml'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: AnswerRequest[] = [];
  let base = '';
  const server: Server = createServer((incoming, response) => {
    void readRequest(incoming, base).then((request) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/answer')) {
        const verified = verifyWebhookRequest(config, request, new Date()).ok;
        answers.push({ request, verified });
        const document = renderVoiceAnswer({ format: answerKind, code: '482913', locale: 'en-US', brand: 'Switchboard' });
        response.writeHead(verified ? 200 : 403, { 'content-type': VOICE_ANSWER_CONTENT_TYPE }).end(verified ? document.xml : '');
        return;
      }
      const result = handleWebhook(config, request, new Date());
      received.push({ request, result });
      response.writeHead(result.status, { 'content-type': result.contentType }).end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}

async function readRequest(incoming: IncomingMessage, base: string): Promise<WebhookRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming as AsyncIterable<Buffer>) chunks.push(chunk);
  return { method: incoming.method ?? 'GET', url: `${base}${incoming.url ?? '/'}`, headers: incoming.headers, rawBody: Buffer.concat(chunks) };
}


/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}
