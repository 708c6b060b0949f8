/**
 * A bare ESME for testing the simulator at the byte level: it sends exactly the PDUs a test
 * builds (hand-made UDHs, SAR TLVs, pipelined submits), answers deliver_sm, and records every
 * octet the simulator sends back. Not a client for anything else: no reconnects, no timers.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import {
  BodyWriter,
  CommandId,
  PduFramer,
  decodeShortMessage,
  encodePdu,
  encodeShortMessageBody,
  isResponseId,
  type RawPdu,
  type ShortMessageBody,
  type ShortMessageFields,
} from '../../src/smsc/smsc-pdu.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../../src/smsc/smsc.simulator.js';

/** How a `TestEsme` binds. */
export interface TestBind {
  readonly systemId?: string;
  readonly password?: string;
  readonly systemType?: string;
  readonly addressRange?: string;
}

/** A submit_sm to send; short_message given as octets, or as a string of Latin-1 octets. */
export type TestSubmit = Omit<ShortMessageFields, 'shortMessage' | 'sourceAddr'> & {
  readonly sourceAddr?: string;
  readonly shortMessage?: Buffer | string;
};

const BIND_IDS = {
  transceiver: CommandId.bind_transceiver,
  transmitter: CommandId.bind_transmitter,
  receiver: CommandId.bind_receiver,
} as const;

/** A test ESME on one connection. */
export class TestEsme {
  /** Requests the simulator sent (deliver_sm, unbind, enquire_link …), in order. */
  readonly requests: RawPdu[] = [];
  /** Responses nobody waited for (late submit_sm_resp, generic_nack …). */
  readonly strayResponses: RawPdu[] = [];
  /** Every octet received, for tests of malformed traffic. */
  readonly bytes: Buffer[] = [];
  /** command_status to answer deliver_sm with; null leaves them unanswered. */
  deliverStatus: number | null = 0;
  readonly #socket: Socket;
  readonly #framer = new PduFramer();
  readonly #waiting = new Map<number, { resolve: (pdu: RawPdu) => void; reject: (error: Error) => void }>();
  readonly #closed: Promise<void>;
  #sequence = 0;
  #isClosed = false;
  /** deliver_sm left unanswered while `deliverStatus` was null. */
  readonly #unanswered: RawPdu[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.bytes.push(chunk);
      for (const frame of this.#framer.push(chunk)) {
        if (frame.kind === 'pdu') {
          this.#receive(frame.pdu);
          continue;
        }
        // What a careful ESME does with a stream it cannot frame: nack it and hang up (SMPP 3.4 §4.3).
        this.#socket.end(encodePdu(CommandId.generic_nack, 0x02, frame.sequence ?? 0));
      }
    });
    socket.on('error', () => undefined);
    this.#closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#isClosed = true;
        for (const { reject } of this.#waiting.values()) reject(new Error('connection closed'));
        this.#waiting.clear();
        resolve();
      });
    });
  }

  /** Connects over TCP (or TLS with `tls`) and resolves once connected. */
  static connect(port: number, options: { host?: string; tls?: ConnectionOptions } = {}): Promise<TestEsme> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? connectTls({ ...options.tls, host, port }, () => {
            resolve(new TestEsme(socket));
          })
        : connectTcp({ host, port }, () => {
            resolve(new TestEsme(socket));
          });
      socket.once('error', reject);
    });
  }

  /** deliver_sm bodies received, decoded (those that decode). */
  get delivered(): ShortMessageBody[] {
    return this.requests.flatMap((pdu) => {
      if (pdu.commandId !== CommandId.deliver_sm) return [];
      try {
        return [decodeShortMessage(pdu.body)];
      } catch {
        return [];
      }
    });
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  /** Resolves when the connection is gone. */
  whenClosed(): Promise<void> {
    return this.#closed;
  }

  /** Sends a request and resolves with its response; rejects if the connection closes first. */
  request(commandId: number, body: Buffer = Buffer.alloc(0)): Promise<RawPdu> {
    this.#sequence += 1;
    const sequence = this.#sequence;
    return new Promise((resolve, reject) => {
      this.#waiting.set(sequence, { resolve, reject });
      this.#socket.write(encodePdu(commandId, 0, sequence, body));
    });
  }

  bind(mode: keyof typeof BIND_IDS = 'transceiver', bind: TestBind = {}): Promise<RawPdu> {
    const body = new BodyWriter()
      .cString(bind.systemId ?? 'switchboard')
      .cString(bind.password ?? 'secret')
      .cString(bind.systemType ?? '')
      .u8(0x34)
      .u8(0)
      .u8(0)
      .cString(bind.addressRange ?? '')
      .toBuffer();
    return this.request(BIND_IDS[mode], body);
  }

  /** Answers, ESME_ROK, every deliver_sm left unanswered so far. */
  answerDeliveries(): void {
    for (const pdu of this.#unanswered.splice(0)) this.#socket.write(encodePdu(CommandId.deliver_sm_resp, 0, pdu.sequence, Buffer.from([0])));
  }

  submit(fields: TestSubmit): Promise<RawPdu> {
    const shortMessage = typeof fields.shortMessage === 'string' ? Buffer.from(fields.shortMessage, 'latin1') : fields.shortMessage;
    return this.request(CommandId.submit_sm, encodeShortMessageBody({ ...fields, sourceAddr: fields.sourceAddr ?? 'Switchboard', shortMessage }));
  }

  /** Writes octets as they are. */
  write(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(pdu: RawPdu): void {
    if (isResponseId(pdu.commandId)) {
      const waiter = this.#waiting.get(pdu.sequence);
      this.#waiting.delete(pdu.sequence);
      if (waiter) waiter.resolve(pdu);
      else this.strayResponses.push(pdu);
      return;
    }
    this.requests.push(pdu);
    if (pdu.commandId === CommandId.deliver_sm) {
      const status = this.deliverStatus;
      if (status !== null) this.#socket.write(encodePdu(CommandId.deliver_sm_resp, status, pdu.sequence, status === 0 ? Buffer.from([0]) : undefined));
      else this.#unanswered.push(pdu);
      return;
    }
    if (pdu.commandId === CommandId.unbind || pdu.commandId === CommandId.enquire_link) {
      this.#socket.write(encodePdu((pdu.commandId | 0x80000000) >>> 0, 0, pdu.sequence));
      return;
    }
    this.#socket.write(encodePdu(CommandId.generic_nack, 0x03, pdu.sequence)); // ESME_RINVCMDID
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A simulator on ephemeral ports and the test ESMEs connected to it, all closed by `stop()`. */
export class SmscTestBed {
  readonly simulator: SmscSimulator;
  readonly smppPort: number;
  readonly httpBase: string;
  readonly #esmes: TestEsme[] = [];

  private constructor(simulator: SmscSimulator, smppPort: number, httpPort: number) {
    this.simulator = simulator;
    this.smppPort = smppPort;
    this.httpBase = `http://127.0.0.1:${httpPort}`;
  }

  /** Starts a simulator (receipts after 10 ms unless `options` say otherwise). */
  static async start(options: SmscSimulatorOptions = {}): Promise<SmscTestBed> {
    const simulator = new SmscSimulator({ smppPort: 0, httpPort: 0, receiptDelayMs: 10, ...options });
    const { smppPort, httpPort } = await simulator.start();
    return new SmscTestBed(simulator, smppPort, httpPort);
  }

  async connect(options: { tls?: ConnectionOptions } = {}): Promise<TestEsme> {
    const esme = await TestEsme.connect(this.smppPort, options);
    this.#esmes.push(esme);
    return esme;
  }

  /** Connects and binds; throws unless the bind succeeds. */
  async bound(mode: keyof typeof BIND_IDS = 'transceiver', bind: TestBind = {}): Promise<TestEsme> {
    const esme = await this.connect();
    const response = await esme.bind(mode, bind);
    if (response.commandStatus !== 0) throw new Error(`bind refused with 0x${response.commandStatus.toString(16)}`);
    return esme;
  }

  /** Calls the HTTP API; the body is parsed JSON (undefined when empty). */
  async http(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.httpBase}${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  /** Sends `body` as JSON with `method`. */
  send(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return this.http(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async stop(): Promise<void> {
    for (const esme of this.#esmes) esme.close();
    await this.simulator.stop();
  }
}

/** A GSM-7 submit_sm of plain ASCII letters, digits and spaces (their GSM-7 codes equal their ASCII codes). */
export function asciiSubmit(to: string, text: string, registeredDelivery = 1): TestSubmit {
  if (!/^[A-Za-z0-9 .,:!?]*$/.test(text)) throw new RangeError('asciiSubmit takes only characters whose GSM-7 code is their ASCII code');
  return {
    sourceAddrTon: 5,
    sourceAddr: 'Switchboard',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: to.replace('+', ''),
    registeredDelivery,
    dataCoding: 0,
    shortMessage: Buffer.from(text, 'latin1'),
  };
}
