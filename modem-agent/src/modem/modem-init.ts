// The AT dialogue that takes a modem from "port open" to "ready to send": wake it, known
// settings, SIM unlocked, registered, identified, PDU mode and message indications routed to
// the agent. Separate from the driver's lifecycle so each step's failure has one clear detail.
import { AtCommandError, AtQueueClosedError, AtTimeoutError } from '../at/at-errors.js';
import type { CommandQueue } from '../at/command-queue.js';
import { integerField, resultParameters, splitResultFields } from '../at/result-fields.js';
import type { Secret } from '../config.js';
import { sleep, type AgentClock } from './agent-clock.js';

/** Why init stopped; `health` is what the modem's snapshot shows meanwhile. */
export class ModemInitError extends Error {
  readonly code = 'MODEM_INIT_FAILED';

  constructor(
    readonly health: 'sim-problem' | 'starting',
    readonly detail: string,
    /** False when retrying could lock the SIM (a refused PIN counts toward the PUK). */
    readonly retryable = true,
  ) {
    super(detail);
    this.name = 'ModemInitError';
  }
}

/** What init learns about the modem. */
export interface ModemIdentity {
  readonly imei: string;
  readonly imsi: string;
  readonly operator: string;
  readonly signalQuality: number;
}

/** What init needs besides the queue. */
export interface ModemInitOptions {
  readonly clock: AgentClock;
  readonly simPin: Secret | undefined;
  /** Refuse to enter the PIN: it was refused before, and a third wrong one locks the SIM. */
  readonly pinRefused: boolean;
  /** Tries of `AT` while the modem boots (deaf), each with `probeTimeoutMs`. */
  readonly probeAttempts: number;
  readonly probeTimeoutMs: number;
  /** How long to wait for registration, and how often to ask. */
  readonly registrationTimeoutMs: number;
  readonly registrationPollMs: number;
}

/**
 * The message indications the agent sets (27.005 §3.4.1). mt=1: SMS-DELIVERs are stored and
 * announced with +CMTI, so nothing is lost while the agent is away; ds=1: status reports come
 * inline as +CDS. Huawei sticks store them and say +CDSI whatever ds says.
 */
export const NEW_MESSAGE_INDICATION = 'AT+CNMI=2,1,0,1,0';

const REGISTRATION_WORDS: Record<number, string> = { 0: 'not registered, not searching', 2: 'searching', 3: 'registration denied', 4: 'registration state unknown' };

/** Runs the init dialogue. @throws {ModemInitError}, or an {@link AtTimeoutError} when the modem stops answering. */
export async function initialiseModem(queue: CommandQueue, options: ModemInitOptions): Promise<ModemIdentity> {
  await probe(queue, options);
  await queue.send('ATZ');
  await queue.send('ATE0');
  await queue.send('AT+CMEE=1');
  await unlockSim(queue, options);
  await waitForRegistration(queue, options);
  const signalQuality = await readSignalQuality(queue);
  const operator = await readOperator(queue);
  const imei = (await queue.send('AT+CGSN'))[0] ?? '';
  const imsi = (await queue.send('AT+CIMI'))[0] ?? '';
  await queue.send('AT+CMGF=0');
  await queue.send('AT+CPMS="SM","SM","SM"');
  await queue.send(NEW_MESSAGE_INDICATION);
  return { imei, imsi, operator, signalQuality };
}

async function probe(queue: CommandQueue, options: ModemInitOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await queue.send('AT', { timeoutMs: options.probeTimeoutMs });
      return;
    } catch (error) {
      // A modem still booting is deaf; one answering ERROR is awake.
      if (error instanceof AtCommandError) return;
      if (!(error instanceof AtTimeoutError) || attempt >= options.probeAttempts) throw error;
    }
  }
}

async function simState(queue: CommandQueue): Promise<string> {
  try {
    const answer = (await queue.send('AT+CPIN?')).find((line) => line.toUpperCase().startsWith('+CPIN:'));
    return answer === undefined ? 'unknown' : resultParameters(answer).toUpperCase();
  } catch (error) {
    if (error instanceof AtCommandError) throw new ModemInitError('sim-problem', `the SIM cannot be read: ${error.reason}`);
    throw error;
  }
}

async function unlockSim(queue: CommandQueue, options: ModemInitOptions): Promise<void> {
  let state = await simState(queue);
  if (state === 'READY') return;
  if (state !== 'SIM PIN') throw new ModemInitError('sim-problem', `the SIM asks for ${state}; the agent only enters a SIM PIN`, false);
  if (options.simPin === undefined) throw new ModemInitError('sim-problem', 'the SIM asks for its PIN and no simPin is configured', false);
  if (options.pinRefused) throw new ModemInitError('sim-problem', 'the SIM refused the configured PIN before; not tried again (a third wrong PIN locks it)', false);
  try {
    // The PIN never reaches an error or a log: errors are rebuilt from their reason alone.
    await queue.send(`AT+CPIN="${options.simPin.reveal()}"`);
  } catch (error) {
    if (error instanceof AtCommandError) throw new ModemInitError('sim-problem', `the SIM refused the configured PIN (${error.reason}); not tried again`, false);
    if (error instanceof AtTimeoutError) throw new AtTimeoutError('AT+CPIN=<pin>', error.timeoutMs, error.awaiting);
    if (error instanceof AtQueueClosedError) throw new AtQueueClosedError('AT+CPIN=<pin>', error.reason);
    throw new Error('writing the SIM PIN to the modem failed');
  }
  // The SIM takes a moment after its PIN before it reports READY.
  for (let tries = 0; tries < 10 && state !== 'READY'; tries++) {
    state = await simState(queue);
    if (state !== 'READY') await sleep(options.clock, 500);
  }
  if (state !== 'READY') throw new ModemInitError('sim-problem', `the SIM took its PIN but reports ${state}`);
}

async function waitForRegistration(queue: CommandQueue, options: ModemInitOptions): Promise<void> {
  const deadline = options.clock.now() + options.registrationTimeoutMs;
  for (;;) {
    const stat = await readRegistration(queue);
    // 1 home, 5 roaming (27.007 §7.2).
    if (stat === 1 || stat === 5) return;
    if (options.clock.now() >= deadline) {
      const words = stat === undefined ? 'no +CREG answer' : (REGISTRATION_WORDS[stat] ?? `state ${stat}`);
      throw new ModemInitError('starting', `not registered on a network after ${Math.round(options.registrationTimeoutMs / 1000)} s (${words}, +CREG ${String(stat)})`);
    }
    await sleep(options.clock, options.registrationPollMs);
  }
}

/** <stat> of AT+CREG? (`+CREG: <n>,<stat>[,…]`). */
export async function readRegistration(queue: CommandQueue): Promise<number | undefined> {
  const answer = (await queue.send('AT+CREG?')).find((line) => line.toUpperCase().startsWith('+CREG:'));
  return answer === undefined ? undefined : integerField(splitResultFields(resultParameters(answer))[1]);
}

/** RSSI of AT+CSQ (0–31, 99 unknown). */
export async function readSignalQuality(queue: CommandQueue): Promise<number> {
  const answer = (await queue.send('AT+CSQ')).find((line) => line.toUpperCase().startsWith('+CSQ:'));
  return (answer === undefined ? undefined : integerField(splitResultFields(resultParameters(answer))[0])) ?? 99;
}

async function readOperator(queue: CommandQueue): Promise<string> {
  const answer = (await queue.send('AT+COPS?')).find((line) => line.toUpperCase().startsWith('+COPS:'));
  // +COPS: <mode>[,<format>,<oper>]; without <oper> the modem is not registered.
  return answer === undefined ? '' : (splitResultFields(resultParameters(answer))[2]?.value ?? '');
}
