import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, loadPackageDefinition, Metadata, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, VerificationStatus, VerifyServiceClient, type SendCodeResponse, type VerifyCodeResponse, type GetVerificationResponse } from '@switchboard/proto/switchboard/v1/verify';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoProcess } from '../support/demo-process.js';

/**
 * The README's walk-through, done by a program: start the demo, call SendCode, read the code at
 * the simulator's inbox, call VerifyCode. Plus what an operator relies on: health, reflection,
 * data surviving a restart, and a clean stop.
 */
describe('README walk-through against `pnpm start`', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-demo-'));
  let demo: DemoProcess;
  let verificationId = '';

  beforeAll(async () => {
    demo = await startDemo(dataDir);
  });

  afterAll(async () => {
    await demo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function unary<Res>(invoke: (client: VerifyServiceClient, metadata: Metadata, done: (error: Error | null, response: Res) => void) => void): Promise<Res> {
    const client = new VerifyServiceClient(demo.grpcAddress, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${demo.apiKey}`);
    return new Promise<Res>((resolve, reject) => {
      invoke(client, metadata, (error, response) => {
        client.close();
        if (error) reject(error);
        else resolve(response);
      });
    }).finally(() => { client.close(); });
  }

  it('reports SERVING on the gRPC health service', async () => {
    const health = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: ServiceClientConstructor } } };
    };
    const client = new health.grpc.health.v1.Health(demo.grpcAddress, credentials.createInsecure()) as unknown as {
      check(request: { service: string }, done: (error: Error | null, response: { status: string }) => void): void;
      close(): void;
    };
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => {
        client.check({ service }, (error, response) => {
          if (error) reject(error);
          else resolve(response.status);
        });
      });
    expect(await check('')).toBe('SERVING');
    expect(await check('switchboard.v1.VerifyService')).toBe('SERVING');
    client.close();
  });

  it('lists its services over server reflection, as grpcurl does', async () => {
    const reflectionProto = join(import.meta.dirname, '../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true }));
    const Reflection = ((pkg.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    const Client = Reflection.ServerReflection as ServiceClientConstructor;
    const client = new Client(demo.grpcAddress, credentials.createInsecure());
    const stream = (client as unknown as { ServerReflectionInfo: () => NodeJS.EventEmitter & { write(v: object): void; end(): void } }).ServerReflectionInfo();
    const names = await new Promise<string[]>((resolve, reject) => {
      stream.on('data', (response: { list_services_response?: { service: { name: string }[] } }) => {
        resolve(response.list_services_response?.service.map((s) => s.name) ?? []);
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
    client.close();
    expect(names).toContain('switchboard.v1.VerifyService');
    expect(names).toContain('grpc.health.v1.Health');
  });

  it('sends a code that the simulator inbox shows and VerifyCode approves', async () => {
    const to = '+4915123456789';
    const sent = await unary<SendCodeResponse>((client, metadata, done) => {
      client.sendCode({ to, channel: Channel.CHANNEL_SMS, locale: 'de', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }, metadata, done);
    });
    verificationId = sent.verification?.id ?? '';
    expect(sent.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_PENDING);

    let text = '';
    for (let tries = 0; tries < 100 && text === ''; tries++) {
      const response = await fetch(`${demo.inboxUrl}/latest?to=${encodeURIComponent(to)}`);
      if (response.ok) text = ((await response.json()) as { text: string }).text;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(text).toContain('Bestätigungscode');
    const code = /#(\d+)$/.exec(text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);

    const verified = await unary<VerifyCodeResponse>((client, metadata, done) => {
      client.verifyCode({ target: { $case: 'verificationId', value: verificationId }, code }, metadata, done);
    });
    expect(verified.approved).toBe(true);
    expect(verified.status).toBe(VerificationStatus.VERIFICATION_STATUS_APPROVED);
  });

  async function poll<T>(url: string, pick: (body: unknown) => T | undefined, what: string): Promise<T> {
    for (let tries = 0; tries < 150; tries++) {
      const response = await fetch(url);
      if (response.ok) {
        const found = pick(await response.json());
        if (found !== undefined) return found;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async function approve(id: string, code: string): Promise<boolean> {
    const verified = await unary<VerifyCodeResponse>((client, metadata, done) => {
      client.verifyCode({ target: { $case: 'verificationId', value: id }, code }, metadata, done);
    });
    return verified.approved;
  }

  it('reads a code in a voice call at the HTTP simulator, and mails one to the mail catcher', async () => {
    const callee = '+4915123456780';
    const byVoice = await unary<SendCodeResponse>((client, metadata, done) => {
      client.sendCode({ to: callee, channel: Channel.CHANNEL_VOICE, locale: 'en', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }, metadata, done);
    });
    // The simulated callee picks up and the simulator fetches what to say from the demo.
    const spoken = await poll(demo.callsUrl, (calls) => {
      const call = (calls as { to: string; answer?: { body?: string } }[]).find((candidate) => candidate.to === callee);
      return /code is: (\d(?:, \d)+)\./.exec(call?.answer?.body ?? '')?.[1];
    }, 'the answered call');
    expect(await approve(byVoice.verification?.id ?? '', spoken.replaceAll(', ', ''))).toBe(true);

    const email = 'newcomer@example.com';
    const byMail = await unary<SendCodeResponse>((client, metadata, done) => {
      client.sendCode({ to: '+4915123456781', channel: Channel.CHANNEL_EMAIL, locale: 'en', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email }, metadata, done);
    });
    const mailed = await poll(`${demo.mailsUrl}/latest?to=${encodeURIComponent(email)}`, (mail) => /code is (\d+)\./.exec((mail as { raw: string }).raw)?.[1], 'the e-mail');
    expect(await approve(byMail.verification?.id ?? '', mailed)).toBe(true);
  });

  it('sends a French number through the demo field site: modem agent, emulated modem, status report', async () => {
    const to = '+33612345678';
    const sent = await unary<SendCodeResponse>((client, metadata, done) => {
      client.sendCode({ to, channel: Channel.CHANNEL_SMS, locale: 'fr', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }, metadata, done);
    });
    const id = sent.verification?.id ?? '';
    const text = await poll(demo.modemSentUrl, (list) => (list as { to: string; text: string }[]).find((message) => message.to === to)?.text, 'the SMS at the emulated modem');
    let status = DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED;
    for (let tries = 0; tries < 150 && status !== DeliveryStatus.DELIVERY_STATUS_DELIVERED; tries++) {
      const got = await unary<GetVerificationResponse>((client, metadata, done) => {
        client.getVerification({ verificationId: id }, metadata, done);
      });
      status = got.verification?.deliveryStatus ?? status;
      if (status !== DeliveryStatus.DELIVERY_STATUS_DELIVERED) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    expect(await approve(id, /(\d{6})/.exec(text)?.[1] ?? '')).toBe(true);
  });

  it('runs the Node snippet printed in the README, as printed', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const snippet = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    // Saved in service/ as the README says, so its imports resolve the same way.
    const file = join(import.meta.dirname, '../../service', `.readme-snippet-${process.pid}.mjs`);
    writeFileSync(file, snippet ?? '');
    try {
      const output = execFileSync(process.execPath, [file], {
        env: { ...process.env, KEY: demo.apiKey, GRPC: demo.grpcAddress, INBOX: demo.inboxUrl },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(output.trim()).toBe('approved: true');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('keeps its data and API key across a restart, and stops cleanly on SIGTERM', async () => {
    const apiKey = demo.apiKey;
    expect(await demo.stop()).toBe(0);
    demo = await startDemo(dataDir);
    expect(demo.apiKey).toBe(apiKey);
    const read = await unary<GetVerificationResponse>((client, metadata, done) => {
      client.getVerification({ verificationId }, metadata, done);
    });
    expect(read.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_APPROVED);
  });
});
