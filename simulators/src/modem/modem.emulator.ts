/**
 * `ModemEmulator`: a GSM modem as the host sees it over its serial line, AT commands and SMS in
 * PDU mode (V.250, 3GPP 27.007, 27.005), with the faults of real USB sticks scripted in. It is
 * transport-neutral: bytes in through `write()`, bytes out through the `output` event or the
 * `port` stream; `modem-pty.ts` puts it on a pseudo-terminal, `modem-host-link.ts` on anything
 * else (serialport's MockBinding).
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../shared/logger.js';
import { maskNumber } from '../shared/masking.js';
import { parseCommandLine } from './at-command-line.js';
import { AtCommandError, errorResultLine } from './at-errors.js';
import { HostInputFramer, type HostInput } from './at-input.js';
import { registrationLine } from './commands-network.js';
import {
  DEFAULT_MODEM_BEHAVIOUR,
  sendDurationMs,
  validateBehaviourPatch,
  type ModemBehaviour,
  type ModemBehaviourPatch,
  type RegistrationOutcome,
} from './modem-behaviour.js';
import { systemClock, type CancelTimer, type ModemClock } from './modem-clock.js';
import { MODEM_COMMANDS } from './modem-commands.js';
import type { ModemContext, ModemIdentity, ModemSettings } from './modem-context.js';
import { NetworkRegistration, type RegistrationStatus } from './modem-network.js';
import { ModemPort } from './modem-port.js';
import { VENDOR_PROFILES, type VendorId, type VendorProfile } from './modem-profile.js';
import { SentLog, type SentMessage, type SentPart } from './modem-sent-log.js';
import { SimCard, type SimState } from './modem-sim.js';
import { MessageStore, type StoredMessage } from './modem-storage.js';
import { PduDecodeError } from './pdu-errors.js';
import { encodeDeliverParts } from './sms-deliver.js';
import { encodeStatusReport } from './sms-status-report.js';
import { decodeSubmitPdu, type SmsSubmit } from './sms-submit.js';

export interface ModemEmulatorOptions {
  /** Vendor whose identification, chatter and status-report habits to copy; default `simcom`. */
  readonly vendor?: VendorId;
  /** A name for logs (the pty link, `modem-1` …). */
  readonly name?: string;
  readonly imei?: string;
  readonly imsi?: string;
  readonly operatorName?: string;
  /** AT+CSCA at power-up. */
  readonly serviceCentre?: string;
  /** The SIM's PIN; null (default) for a SIM without PIN lock. */
  readonly pin?: string | null;
  readonly puk?: string;
  /** Slots in the SIM's message store; default 30. */
  readonly storageCapacity?: number;
  /** The TP-MR the first +CMGS answers with; default 0. */
  readonly firstMessageReference?: number;
  /** Time zone of the emulated network's time stamps, in quarter hours east of UTC; default 0. */
  readonly zoneQuarterHours?: number;
  readonly behaviour?: ModemBehaviourPatch;
  readonly clock?: ModemClock;
  readonly logger?: Logger;
}

/** An SMS the emulated network delivers to the modem. */
export interface IncomingSms {
  readonly from: string;
  readonly text: string;
  /** Default: GSM-7 when the text fits it, UCS-2 otherwise. */
  readonly alphabet?: 'gsm7' | 'ucs2';
  /** SCTS; default now. */
  readonly receivedAt?: Date;
}

/** Where the modem is, for tests and the control surface. */
export interface ModemState {
  readonly plugged: boolean;
  readonly hung: boolean;
  readonly booting: boolean;
  readonly radioOn: boolean;
  readonly sim: SimState;
  readonly registration: RegistrationStatus;
  readonly settings: Readonly<ModemSettings>;
  /** The TP-MR the next accepted send gets. */
  readonly nextMessageReference: number;
}

export interface ModemEvents {
  /** Bytes the modem said to the host. */
  output: [Buffer];
  /** A PDU was taken for sending (after the `> ` prompt); `sent` or a +CMS ERROR follows. */
  submitting: [SmsSubmit];
  /** A send was accepted and answered with +CMGS. */
  sent: [SentPart];
  unplug: [];
  replug: [];
}

interface PendingSend {
  readonly tpduLength: number;
}

const DEFAULT_IDENTITY = {
  imei: '867322035431459',
  imsi: '262019876543210',
  operatorName: 'Switchboard Mobile',
  serviceCentre: '+491710760000',
};

export class ModemEmulator extends EventEmitter<ModemEvents> {
  readonly name: string;
  readonly profile: VendorProfile;
  readonly #clock: ModemClock;
  readonly #log: Logger;
  readonly #initialBehaviour: ModemBehaviour;
  #behaviour: ModemBehaviour;
  readonly #identity: ModemIdentity;
  readonly #sim: SimCard;
  readonly #network: NetworkRegistration;
  readonly #store: MessageStore;
  readonly #sent = new SentLog();
  readonly #framer = new HostInputFramer();
  readonly #zone: number;
  #settings: ModemSettings;
  #input: number[] = [];
  #lastLine = '';
  /** A command line, a prompt or a send is in progress: unsolicited lines wait. */
  #busy = false;
  #heldUnsolicited: string[] = [];
  #pendingSend: PendingSend | null = null;
  #rebootRequested = false;
  #plugged = true;
  #hung = false;
  #booting = false;
  #radioOn = true;
  #port: ModemPort | undefined;
  #nextReference: number;
  #concatenationReference = 0;
  #answeredSends = 0;
  #reportsRequested = 0;
  /** Cancelled by a reboot, an unplug or a hang: what the modem itself was about to do. */
  readonly #sessionTimers = new Set<CancelTimer>();
  /** Cancelled only by `close()`: what the network does (status reports). */
  readonly #networkTimers = new Set<CancelTimer>();

  constructor(options: ModemEmulatorOptions = {}) {
    super();
    this.profile = VENDOR_PROFILES[options.vendor ?? 'simcom'];
    this.name = options.name ?? 'modem';
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#initialBehaviour = { ...DEFAULT_MODEM_BEHAVIOUR, ...validateBehaviourPatch(options.behaviour ?? {}) };
    this.#behaviour = this.#initialBehaviour;
    this.#identity = {
      imei: options.imei ?? DEFAULT_IDENTITY.imei,
      imsi: options.imsi ?? DEFAULT_IDENTITY.imsi,
      operatorName: options.operatorName ?? DEFAULT_IDENTITY.operatorName,
      serviceCentre: options.serviceCentre ?? DEFAULT_IDENTITY.serviceCentre,
    };
    this.#sim = new SimCard(options.pin ?? null, options.puk ?? '12345678');
    this.#store = new MessageStore(options.storageCapacity ?? 30);
    this.#nextReference = (options.firstMessageReference ?? 0) & 0xff;
    this.#zone = options.zoneQuarterHours ?? 0;
    this.#settings = this.#defaultSettings();
    this.#network = new NetworkRegistration(this.#clock, (status) => {
      this.#onRegistrationChange(status);
    });
    // Constructed as a modem that booted before the host opened its port: no chatter to hear.
    if (this.#sim.ready) this.#startRegistration();
  }

  // ── Transport ────────────────────────────────────────────────────────────────────────────

  /** Bytes the host wrote to the modem. Ignored while unplugged, hung or booting, as a deaf modem does. */
  write(bytes: Uint8Array | string): void {
    if (!this.#plugged || this.#hung || this.#booting) return;
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    for (const byte of buffer) this.#input.push(byte);
    this.#drainInput();
  }

  /** The current plug session's stream (see `ModemPort`); a new one after each replug. */
  get port(): ModemPort {
    if (this.#port === undefined || this.#port.destroyed) {
      if (!this.#plugged) throw new ModemUnpluggedError(this.name);
      this.#port = new ModemPort((bytes) => {
        this.write(bytes);
      });
    }
    return this.#port;
  }

  // ── Control ──────────────────────────────────────────────────────────────────────────────

  state(): ModemState {
    return {
      plugged: this.#plugged,
      hung: this.#hung,
      booting: this.#booting,
      radioOn: this.#radioOn,
      sim: this.#sim.state,
      registration: this.#network.status,
      settings: { ...this.#settings },
      nextMessageReference: this.#nextReference,
    };
  }

  behaviour(): ModemBehaviour {
    return this.#behaviour;
  }

  /** @throws {RangeError} naming the first bad field. */
  updateBehaviour(patch: ModemBehaviourPatch): ModemBehaviour {
    this.#behaviour = { ...this.#behaviour, ...validateBehaviourPatch(patch) };
    return this.#behaviour;
  }

  /** Back to the behaviour given at construction. */
  resetBehaviour(): ModemBehaviour {
    this.#behaviour = this.#initialBehaviour;
    return this.#behaviour;
  }

  /** The next `count` sends answer +CMS ERROR: `code` (default 500, unknown error). */
  failNextSends(count: number, code = 500): void {
    this.updateBehaviour({ failSends: { code, count } });
  }

  /** Every send answers +CMS ERROR: `code` until `acceptSends()`. */
  failAllSends(code = 500): void {
    this.updateBehaviour({ failSends: { code, count: null } });
  }

  acceptSends(): void {
    this.updateBehaviour({ failSends: null });
  }

  /** Changes registration at once: a lost network (`none`, `searching`, `denied`) or one found again. */
  setRegistration(outcome: RegistrationOutcome | 'none'): void {
    this.#network.force(outcome);
  }

  /** Says an unsolicited line now (held, as the modem holds them, while a command is running). */
  injectUnsolicited(...lines: string[]): void {
    this.#unsolicited(lines);
  }

  /** Stops answering anything, as a wedged modem does, until `recover()` or an unplug. */
  hang(): void {
    if (this.#hung) return;
    this.#hung = true;
    this.#cancelSessionTimers();
    this.#log.warn({ modem: this.name }, 'modem hangs');
  }

  /** Answers again after `hang()`, with half-typed input and the interrupted command forgotten. */
  recover(): void {
    this.#hung = false;
    this.#forgetInput();
  }

  /** The device goes away: the port ends and closes, nothing is heard or said until `replug()`. */
  unplug(): void {
    if (!this.#plugged) return;
    this.#plugged = false;
    this.#hung = false;
    this.#booting = false;
    this.#cancelSessionTimers();
    this.#forgetInput();
    this.#network.stop();
    this.#port?.unplugged();
    this.#port = undefined;
    this.#log.info({ modem: this.name }, 'modem unplugged');
    this.emit('unplug');
  }

  /** Plugged back in: a new port, then a boot (`bootMs` deaf, then the vendor's chatter). */
  replug(): void {
    if (this.#plugged) return;
    this.#plugged = true;
    this.#log.info({ modem: this.name }, 'modem plugged in');
    this.emit('replug');
    this.#reboot();
  }

  /** Unplugs for `ms`, then plugs back in. */
  unplugFor(ms: number): void {
    this.unplug();
    this.#networkLater(ms, () => {
      this.replug();
    });
  }

  /** Stops every timer and ends the port; the emulator is not used afterwards. */
  close(): void {
    this.#cancelSessionTimers();
    for (const cancel of this.#networkTimers) cancel();
    this.#networkTimers.clear();
    this.#network.stop();
    this.#port?.unplugged();
    this.#port = undefined;
    this.#plugged = false;
  }

  // ── The emulated network's side ──────────────────────────────────────────────────────────

  /**
   * The network delivers an SMS (split into parts when long): each part is stored and announced
   * with +CMTI, or shown at once with +CMT, as AT+CNMI's <mt> says. Returns the storage indices.
   */
  receive(sms: IncomingSms): number[] {
    const parts = encodeDeliverParts({
      from: sms.from,
      text: sms.text,
      alphabet: sms.alphabet,
      serviceCentre: this.#identity.serviceCentre,
      receivedAt: sms.receivedAt ?? new Date(this.#clock.now()),
      zoneQuarterHours: this.#zone,
      reference: this.#concatenationReference,
    });
    if (parts.length > 1) this.#concatenationReference = (this.#concatenationReference + 1) & 0xff;
    const indices: number[] = [];
    for (const pdu of parts) {
      const { mt } = this.#settings.indication;
      if (mt === 2) {
        this.#unsolicited([`+CMT: ,${pdu.tpduLength}`, pdu.hex]);
        continue;
      }
      const index = this.#store.add('deliver', pdu);
      if (index === null) {
        this.#log.warn({ modem: this.name }, 'message store full, incoming part lost');
        continue;
      }
      indices.push(index);
      if (mt === 1 || mt === 3) this.#unsolicited([`+CMTI: "SM",${index}`]);
    }
    this.#log.info({ modem: this.name, from: maskNumber(sms.from), parts: parts.length }, 'SMS received');
    return indices;
  }

  /** Every accepted send, one entry per AT+CMGS, in order. */
  sent(): readonly SentPart[] {
    return this.#sent.parts();
  }

  /** Accepted sends joined into messages by their concatenation headers. */
  sentMessages(): SentMessage[] {
    return this.#sent.messages();
  }

  /** What the SIM's message store holds. */
  stored(): StoredMessage[] {
    return this.#store.all();
  }

  // ── Input ────────────────────────────────────────────────────────────────────────────────

  /** Feeds queued bytes to the framer while the modem listens: idle, or at the `> ` prompt. */
  #drainInput(): void {
    while ((!this.#busy || this.#pendingSend !== null) && !this.#hung && this.#plugged && !this.#booting) {
      const byte = this.#input.shift();
      if (byte === undefined) return;
      const input = this.#framer.push(byte);
      if (input) this.#handle(input);
    }
  }

  #handle(input: HostInput): void {
    switch (input.kind) {
      case 'line':
        if (this.#settings.echo) this.#say(`${input.text}\r`);
        this.#runLine(input.text);
        return;
      case 'repeat':
        if (this.#settings.echo) this.#say('A/');
        this.#runLine(this.#lastLine);
        return;
      case 'pdu':
        if (this.#settings.echo) this.#say(input.hex);
        this.#takePdu(input.hex);
        return;
      case 'pdu-cancelled':
        this.#pendingSend = null;
        this.#finish([], null);
        return;
    }
  }

  #runLine(text: string): void {
    let commands;
    try {
      commands = parseCommandLine(text);
    } catch (error) {
      this.#busy = true;
      this.#finish([], error instanceof AtCommandError ? error : AtCommandError.syntax(String(error)));
      return;
    }
    if (commands === null) return;
    this.#lastLine = text;
    this.#busy = true;
    const lines: string[] = [];
    const context = this.#context();
    for (const [at, command] of commands.entries()) {
      const handler = MODEM_COMMANDS.get(command.name);
      if (handler === undefined) {
        this.#finish(lines, AtCommandError.syntax(`unknown command ${command.name}`));
        return;
      }
      let outcome;
      try {
        outcome = handler(command, context);
      } catch (error) {
        if (!(error instanceof AtCommandError)) this.#log.error({ modem: this.name, err: error, command: command.name }, 'command handler failed');
        this.#finish(lines, error instanceof AtCommandError ? error : AtCommandError.cme(100));
        return;
      }
      if ('prompt' in outcome) {
        if (at !== commands.length - 1) {
          this.#finish(lines, AtCommandError.syntax('AT+CMGS must be the last command of its line'));
          return;
        }
        this.#openPrompt(lines, outcome.prompt.tpduLength);
        return;
      }
      lines.push(...(outcome.lines ?? []));
    }
    this.#finish(lines, null);
  }

  /** Information lines, then OK or the error; then held unsolicited lines, then the next input. */
  #finish(lines: readonly string[], error: AtCommandError | null): void {
    const information = lines.length > 0 ? `\r\n${lines.join('\r\n')}\r\n` : '';
    this.#say(`${information}\r\n${error ? errorResultLine(error, this.#settings.cmee) : 'OK'}\r\n`);
    if (error && error.family === null) this.#log.debug({ modem: this.name, why: error.message }, 'ERROR');
    this.#busy = false;
    const held = this.#heldUnsolicited;
    this.#heldUnsolicited = [];
    if (held.length > 0) this.#say(held.join(''));
    if (this.#rebootRequested) {
      this.#rebootRequested = false;
      this.#reboot();
      return;
    }
    this.#drainInput();
  }

  // ── Sending ──────────────────────────────────────────────────────────────────────────────

  #openPrompt(lines: readonly string[], tpduLength: number): void {
    if (lines.length > 0) this.#say(`\r\n${lines.join('\r\n')}\r\n`);
    this.#pendingSend = { tpduLength };
    this.#framer.expectPdu();
    // 27.005 §3.5.1: <CR><LF><greater_than><space>.
    this.#say('\r\n> ');
    this.#drainInput();
  }

  #takePdu(hex: string): void {
    const pending = this.#pendingSend;
    this.#pendingSend = null;
    if (pending === null) return;
    let submit: SmsSubmit;
    try {
      submit = decodeSubmitPdu(hex, pending.tpduLength);
    } catch (error) {
      if (!(error instanceof PduDecodeError)) throw error;
      this.#log.warn({ modem: this.name, problem: error.problem, why: error.message }, 'invalid PDU');
      this.#finish([], AtCommandError.cms(304, error.message));
      return;
    }
    this.emit('submitting', submit);
    const behaviour = this.#behaviour;
    if (behaviour.hangAfterSends !== null && this.#answeredSends >= behaviour.hangAfterSends) {
      this.#behaviour = { ...this.#behaviour, hangAfterSends: null };
      this.hang();
      return;
    }
    const unplug = behaviour.unplugAfterSends;
    if (unplug !== null && this.#answeredSends >= unplug.sends) {
      this.#behaviour = { ...this.#behaviour, unplugAfterSends: null };
      if (unplug.replugAfterMs === null) this.unplug();
      else this.unplugFor(unplug.replugAfterMs);
      return;
    }
    this.#sayMidSendLines();
    const failure = this.#takeSendFailure();
    const answer = (): void => {
      if (failure !== undefined) {
        this.#finish([], AtCommandError.cms(failure));
      } else if (!this.#network.registered) {
        this.#finish([], AtCommandError.cms(331));
      } else {
        this.#accept(submit);
      }
    };
    const duration = sendDurationMs(behaviour.smsPerMinute);
    if (duration === 0) answer();
    else this.#sessionLater(duration, answer);
  }

  #sayMidSendLines(): void {
    const midSend = this.#behaviour.unsolicitedMidSend;
    if (midSend === null) return;
    // Straight out, past the hold: this is the modem that talks over its own answer.
    this.#say(midSend.lines.map((line) => `\r\n${line}\r\n`).join(''));
    if (midSend.sends !== null) {
      this.#behaviour = { ...this.#behaviour, unsolicitedMidSend: midSend.sends > 1 ? { ...midSend, sends: midSend.sends - 1 } : null };
    }
  }

  #takeSendFailure(): number | undefined {
    const failure = this.#behaviour.failSends;
    if (failure === null) return undefined;
    if (failure.count !== null) {
      this.#behaviour = { ...this.#behaviour, failSends: failure.count > 1 ? { ...failure, count: failure.count - 1 } : null };
    }
    return failure.code;
  }

  #accept(submit: SmsSubmit): void {
    const reference = this.#nextReference;
    this.#nextReference = (this.#nextReference + 1) & 0xff;
    this.#answeredSends += 1;
    const part: SentPart = {
      reference,
      to: submit.destination.address,
      text: submit.text,
      at: this.#clock.now(),
      submit,
      statusReport: { state: 'not-requested' },
    };
    this.#sent.add(part);
    this.#log.info({ modem: this.name, to: maskNumber(part.to), reference, concatenation: submit.concatenation }, 'SMS sent');
    if (submit.statusReportRequested) this.#scheduleStatusReport(part);
    this.emit('sent', part);
    this.#finish([`+CMGS: ${reference}`], null);
  }

  #scheduleStatusReport(part: SentPart): void {
    const asked = this.#reportsRequested++;
    const fraction = this.#behaviour.statusReportMissingFraction;
    // Evenly spread, no randomness: with 0.25 the 4th, 8th, 12th … reports go missing.
    if (Math.floor((asked + 1) * fraction + 1e-9) > Math.floor(asked * fraction + 1e-9)) {
      part.statusReport = { state: 'missing' };
      return;
    }
    const { statusReportDelayMs, statusReportStatus } = this.#behaviour;
    part.statusReport = { state: 'pending', dueAt: this.#clock.now() + statusReportDelayMs };
    this.#networkLater(statusReportDelayMs, () => {
      this.#deliverStatusReport(part, statusReportStatus);
    });
  }

  #deliverStatusReport(part: SentPart, status: number): void {
    const now = this.#clock.now();
    const route = this.#plugged ? this.#statusReportRoute() : 'dropped';
    part.statusReport = { state: 'sent', status, at: now, route };
    if (route === 'dropped') return;
    const pdu = encodeStatusReport({
      messageReference: part.reference,
      recipient: part.submit.destination.address,
      recipientTypeOfAddress: part.submit.destination.typeOfAddress,
      submittedAt: new Date(part.at),
      dischargedAt: new Date(now),
      status,
      zoneQuarterHours: this.#zone,
      serviceCentre: this.#identity.serviceCentre,
    });
    if (route === 'cds') {
      this.#unsolicited([`+CDS: ${pdu.tpduLength}`, this.#statusReportHex(pdu.hex)]);
      return;
    }
    const index = this.#store.add('status-report', pdu);
    if (index === null) {
      part.statusReport = { state: 'sent', status, at: now, route: 'dropped' };
      return;
    }
    this.#unsolicited([`+CDSI: "SM",${index}`]);
  }

  #statusReportRoute(): 'cds' | 'cdsi' | 'dropped' {
    const forced = this.#behaviour.statusReportRouting;
    if (forced !== null) return forced;
    if (this.profile.statusReportRouting === 'store') return 'cdsi';
    const { ds } = this.#settings.indication;
    return ds === 1 ? 'cds' : ds === 2 ? 'cdsi' : 'dropped';
  }

  /** A status report's PDU as this vendor prints it: with or without the SMSC address in front. */
  #statusReportHex(hex: string): string {
    if (this.profile.statusReportWithServiceCentre) return hex;
    const scaOctets = Number.parseInt(hex.slice(0, 2), 16);
    return hex.slice(2 + scaOctets * 2);
  }

  // ── Power, SIM, network ──────────────────────────────────────────────────────────────────

  #defaultSettings(): ModemSettings {
    return {
      echo: true,
      cmee: 0,
      messageFormat: 0,
      indication: this.profile.defaultIndication,
      registrationReports: 0,
      messageService: 0,
      storageNames: ['SM', 'SM', 'SM'],
    };
  }

  #context(): ModemContext {
    return {
      profile: this.profile,
      identity: this.#identity,
      settings: this.#settings,
      sim: this.#sim,
      network: this.#network,
      store: this.#store,
      behaviour: this.#behaviour,
      radioOn: this.#radioOn,
      resetSettings: () => {
        Object.assign(this.#settings, this.#defaultSettings());
      },
      setRadio: (on) => {
        this.#radioOn = on;
        if (on) this.#startRegistration();
        else this.#network.stop();
      },
      rebootAfterAnswer: () => {
        this.#rebootRequested = true;
      },
      simBecameReady: () => {
        this.#unsolicited([...this.profile.simReadyChatter]);
        this.#startRegistration();
      },
      storedPduHex: (hex, kind) => (kind === 'status-report' ? this.#statusReportHex(hex) : hex),
    };
  }

  #startRegistration(): void {
    if (!this.#radioOn || !this.#sim.ready) return;
    this.#network.search(this.#behaviour.registration, this.#behaviour.registrationDelayMs);
  }

  #onRegistrationChange(status: RegistrationStatus): void {
    this.#log.debug({ modem: this.name, status }, 'registration');
    if (this.#settings.registrationReports > 0) this.#unsolicited([registrationLine(this.#context(), false)]);
  }

  /** Power cycle: deaf for `bootMs`, volatile settings back to defaults, SIM locked again, then chatter. */
  #reboot(): void {
    this.#cancelSessionTimers();
    this.#forgetInput();
    this.#booting = true;
    this.#settings = this.#defaultSettings();
    this.#radioOn = true;
    this.#sim.powerCycle();
    this.#network.stop();
    this.#sessionLater(this.#behaviour.bootMs, () => {
      this.#booting = false;
      const simLines = this.#sim.ready ? this.profile.simReadyChatter : [`+CPIN: ${this.#sim.state === 'BLOCKED' ? 'SIM PUK' : this.#sim.state}`];
      this.#unsolicited([...this.profile.bootChatter, ...simLines]);
      this.#startRegistration();
    });
  }

  // ── Output and timers ────────────────────────────────────────────────────────────────────

  /** Unsolicited result codes (V.250 §5.7.2 framing): held while a command runs, said otherwise. */
  #unsolicited(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const text = `\r\n${lines.join('\r\n')}\r\n`;
    if (this.#busy) this.#heldUnsolicited.push(text);
    else this.#say(text);
  }

  #say(text: string): void {
    if (!this.#plugged || this.#hung || text === '') return;
    const bytes = Buffer.from(text, 'latin1');
    this.#port?.fromModem(bytes);
    this.emit('output', bytes);
  }

  #forgetInput(): void {
    this.#input = [];
    this.#framer.reset();
    this.#busy = false;
    this.#pendingSend = null;
    this.#heldUnsolicited = [];
    this.#rebootRequested = false;
  }

  #sessionLater(ms: number, action: () => void): void {
    const cancel = this.#clock.schedule(ms, () => {
      this.#sessionTimers.delete(cancel);
      action();
    });
    this.#sessionTimers.add(cancel);
  }

  #networkLater(ms: number, action: () => void): void {
    const cancel = this.#clock.schedule(ms, () => {
      this.#networkTimers.delete(cancel);
      action();
    });
    this.#networkTimers.add(cancel);
  }

  #cancelSessionTimers(): void {
    for (const cancel of this.#sessionTimers) cancel();
    this.#sessionTimers.clear();
  }
}

/** The port of an unplugged modem was asked for. */
export class ModemUnpluggedError extends Error {
  constructor(name: string) {
    super(`modem ${name} is unplugged: replug() it before opening its port`);
    this.name = 'ModemUnpluggedError';
  }
}
