/**
 * A modem agent the test drives by hand: a real AgentService stream over loopback gRPC, where
 * the test decides what the agent says and reads what the service sent. For the service's side
 * of the link; the real agent (modem-agent/) is tested against it in the agent e2e suite.
 */
import { credentials, Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  ModemHealth,
  type ConnectRequest,
  type ConnectResponse,
  type ModemState,
  type SendSms,
} from '@switchboard/proto/switchboard/v1/agent';
import { waitFor } from './waiting.js';

export function modemState(label: string, overrides: Partial<ModemState> = {}): ModemState {
  return {
    label,
    imei: '356938035643809',
    imsi: '208150123456789',
    operator: 'Orange F',
    signalQuality: 21,
    health: ModemHealth.MODEM_HEALTH_READY,
    detail: '',
    queued: 0,
    sentLastMinute: 0,
    maxPerMinute: 6,
    ...overrides,
  };
}

export class ScriptedAgent {
  readonly received: ConnectResponse[] = [];
  readonly #client: AgentServiceClient;
  readonly #stream: ClientDuplexStream<ConnectRequest, ConnectResponse>;
  #error: ServiceError | undefined;
  #ended = false;

  constructor(port: number, token: string | null) {
    this.#client = new AgentServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const metadata = new Metadata();
    if (token !== null) metadata.set('authorization', `Bearer ${token}`);
    this.#stream = this.#client.connect(metadata);
    this.#stream.on('data', (response: ConnectResponse) => this.received.push(response));
    this.#stream.on('error', (error: ServiceError) => {
      this.#error = error;
      this.#ended = true;
    });
    this.#stream.on('end', () => {
      this.#ended = true;
    });
  }

  send(request: ConnectRequest): void {
    this.#stream.write(request);
  }

  hello(agentId: string, modems: ModemState[] = [modemState('orange-1')]): void {
    this.send({ body: { $case: 'hello', value: { agentId, agentVersion: '0.1.0-test', modems } } });
  }

  accept(messageId: string): void {
    this.send({ body: { $case: 'accepted', value: { messageId } } });
  }

  submitted(resultId: string, messageId: string, references: number[] = [7]): void {
    this.send({ body: { $case: 'submitted', value: { resultId, messageId, modemLabel: 'orange-1', modemImei: '356938035643809', references, submittedAt: new Date() } } });
  }

  /** The welcome's heartbeat interval, once it came. */
  async welcome(): Promise<number> {
    await waitFor(() => this.received.some((r) => r.body?.$case === 'welcome') || this.#ended, 'the welcome', 10_000);
    const welcome = this.received.find((r) => r.body?.$case === 'welcome');
    if (welcome?.body?.$case !== 'welcome') throw new Error(`no welcome: ${this.#error?.message ?? 'stream ended'}`);
    return welcome.body.value.heartbeatSeconds;
  }

  /** Every SendSms received so far. */
  commands(): SendSms[] {
    return this.received.flatMap((r) => (r.body?.$case === 'sendSms' ? [r.body.value] : []));
  }

  /** The next SendSms after the `seen` first ones. */
  async command(seen = 0, timeoutMs = 10_000): Promise<SendSms> {
    await waitFor(() => this.commands().length > seen, 'a SendSms', timeoutMs);
    return this.commands()[seen] as SendSms;
  }

  acked(): string[] {
    return this.received.flatMap((r) => (r.body?.$case === 'ack' ? r.body.value.resultIds : []));
  }

  async ack(resultId: string): Promise<void> {
    await waitFor(() => this.acked().includes(resultId), `the ack of ${resultId}`, 10_000);
  }

  /** The status the service ended the stream with (waits for the end). */
  async ended(timeoutMs = 10_000): Promise<ServiceError | undefined> {
    await waitFor(() => this.#ended, 'the stream to end', timeoutMs);
    return this.#error;
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  close(): void {
    this.#stream.end();
    this.#client.close();
  }
}
