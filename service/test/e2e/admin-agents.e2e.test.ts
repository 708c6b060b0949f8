// A modem agent registered through AdminService connects with the token it was shown, and a
// rotated token (or a deleted agent) ends its stream and no longer gets in: the whole service
// (AdminService, AgentService, the hub and its notices) on PGlite, and across two replicas on
// PostgreSQL.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ProviderKind, type Agent, type CreateAgentResponse, type CreateProviderResponse, type GetAgentResponse, type RotateAgentTokenResponse } from '@switchboard/proto/switchboard/v1/admin';
import { AgentServiceClient, ModemHealth, type ConnectResponse } from '@switchboard/proto/switchboard/v1/agent';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../support/admin-client.js';
import { databaseTargets, startTestSystem, waitFor, type TestSystem } from '../support/test-system.js';

/** One agent stream as the modem agent opens it: hello first, then it waits. */
interface AgentStream {
  /** The welcome came: the service took the token and the hello. */
  readonly welcomed: () => boolean;
  /** How the service ended the stream; undefined while it is open. */
  readonly error: () => ServiceError | undefined;
  close(): void;
}

function connectAgent(port: number, token: string, agentId: string): AgentStream {
  const client = new AgentServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const stream = client.connect(metadata);
  let welcomed = false;
  let ended: ServiceError | undefined;
  stream.on('data', (response: ConnectResponse) => {
    if (response.body?.$case === 'welcome') welcomed = true;
  });
  stream.on('error', (error: ServiceError) => {
    ended = error;
  });
  const modem = { label: 'orange-1', imei: '356938035643809', imsi: '208011234567890', operator: 'Orange F', signalQuality: 20, health: ModemHealth.MODEM_HEALTH_READY, detail: '', queued: 0, sentLastMinute: 0, maxPerMinute: 6 };
  stream.write({ body: { $case: 'hello', value: { agentId, agentVersion: '1.0.0-test', modems: [modem] } } });
  return {
    welcomed: () => welcomed,
    error: () => ended,
    close() {
      stream.cancel();
      client.close();
    },
  };
}

describe.each(databaseTargets())('modem agents registered through AdminService on $name', ({ url }) => {
  let system: TestSystem;
  let admin: ReturnType<typeof adminClient>;
  const streams: AgentStream[] = [];

  function open(port: number, token: string, agentId: string): AgentStream {
    const stream = connectAgent(port, token, agentId);
    streams.push(stream);
    return stream;
  }

  async function register(id: string): Promise<string> {
    const agent: Agent = { id, description: 'e2e', tokenPrefix: '', connected: false, replica: '', agentVersion: '', modems: [] };
    const { token } = await admin.call<CreateAgentResponse>('createAgent', { agent });
    return token;
  }

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url });
    admin = adminClient(system.switchboard.grpcPort);
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    admin.close();
    await system.stop();
  });

  it('lets an agent in with the token CreateAgent showed, and lists it connected with its modems', async () => {
    const token = await register('site-welcome');

    const stream = open(system.switchboard.grpcPort, token, 'site-welcome');

    await waitFor(() => stream.welcomed(), 'the welcome');
    await waitFor(async () => (await admin.call<GetAgentResponse>('getAgent', { id: 'site-welcome' })).agent?.connected === true, 'the agent to be listed connected');
    const { agent } = await admin.call<GetAgentResponse>('getAgent', { id: 'site-welcome' });
    expect(agent).toMatchObject({ agentVersion: '1.0.0-test', modems: [{ label: 'orange-1', health: ModemHealth.MODEM_HEALTH_READY }] });
    expect(agent?.replica).not.toBe('');
  });

  it('ends the stream of a rotated token at once, refuses the old token and lets the new one in', async () => {
    const old = await register('site-rotate');
    const stream = open(system.switchboard.grpcPort, old, 'site-rotate');
    await waitFor(() => stream.welcomed(), 'the welcome');

    const { token } = await admin.call<RotateAgentTokenResponse>('rotateAgentToken', { id: 'site-rotate' });

    await waitFor(() => stream.error() !== undefined, 'the old stream to end');
    expect(stream.error()?.code).toBe(status.UNAUTHENTICATED);
    const refused = open(system.switchboard.grpcPort, old, 'site-rotate');
    await waitFor(() => refused.error() !== undefined, 'the old token to be refused');
    expect(refused.error()?.code).toBe(status.UNAUTHENTICATED);
    const renewed = open(system.switchboard.grpcPort, token, 'site-rotate');
    await waitFor(() => renewed.welcomed(), 'the welcome with the new token');
  });

  it('ends the stream of a deleted agent, once no provider names it', async () => {
    const token = await register('site-gone');
    const provider = { name: 'modems-gone', kind: ProviderKind.PROVIDER_KIND_AGENT, enabled: true, channels: [Channel.CHANNEL_SMS], throughputPerSecond: 1, burst: 0, maxInFlight: 0, settings: { agent: 'site-gone' }, credentials: {} };
    await admin.call<CreateProviderResponse>('createProvider', { provider });
    const stream = open(system.switchboard.grpcPort, token, 'site-gone');
    await waitFor(() => stream.welcomed(), 'the welcome');

    const refused = await admin.call('deleteAgent', { id: 'site-gone' }).catch((error: unknown) => error as ServiceError);
    expect((refused as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    expect(stream.error()).toBeUndefined();

    await admin.call('deleteProvider', { name: 'modems-gone' });
    await admin.call('deleteAgent', { id: 'site-gone' });
    await waitFor(() => stream.error() !== undefined, 'the stream to end');
    const again = open(system.switchboard.grpcPort, token, 'site-gone');
    await waitFor(() => again.error() !== undefined, 'the token to be refused');
    expect(again.error()?.code).toBe(status.UNAUTHENTICATED);
  });

  it.runIf(url !== undefined)('ends a stream held by another replica when the token is rotated on this one', async () => {
    const replica = await system.startReplica();
    const old = await register('site-elsewhere');
    const stream = open(replica.grpcPort, old, 'site-elsewhere');
    await waitFor(() => stream.welcomed(), 'the welcome from the other replica');

    await admin.call('rotateAgentToken', { id: 'site-elsewhere' });

    await waitFor(() => stream.error() !== undefined, 'the stream on the other replica to end');
  });
});
