import { describe, expect, it } from 'vitest';
import { encodeSmsSubmit } from '../pdu/sms-submit-encoder.js';
import { AtCommandError, AtProtocolError, AtQueueClosedError, AtTimeoutError, AtWriteError } from './at-errors.js';
import { answerNameOf, CommandQueue } from './command-queue.js';
import type { ScheduledTimeout, TimeoutScheduler } from './timeout-scheduler.js';
import type { UnsolicitedResult } from './unsolicited-result.js';

/** Time that moves only when the test says so. */
class ManualTimeouts implements TimeoutScheduler {
  #now = 0;
  readonly #timers = new Set<{ due: number; fire: () => void }>();

  schedule(delayMs: number, onTimeout: () => void): ScheduledTimeout {
    const timer = { due: this.#now + delayMs, fire: onTimeout };
    this.#timers.add(timer);
    return {
      cancel: () => {
        this.#timers.delete(timer);
      },
    };
  }

  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].filter((timer) => timer.due <= target).sort((a, b) => a.due - b.due)[0];
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = next.due;
      next.fire();
    }
    this.#now = target;
  }
}

/**
 * A modem that answers only what it has been sent, in script order, so a test cannot have it
 * echo a command before the queue wrote it. Its output is delivered in chunks the test chooses.
 */
class ScriptedModem {
  readonly written: string[] = [];
  readonly #script: [expected: string, reply: string][];
  readonly #outbox: string[] = [];

  constructor(script: [expected: string, reply: string][]) {
    this.#script = [...script];
  }

  readonly write = (data: string): void => {
    this.written.push(data);
    const step = this.#script.shift();
    if (step === undefined) return;
    if (step[0] !== data) throw new Error(`script expected ${JSON.stringify(step[0])}, got ${JSON.stringify(data)}`);
    this.#outbox.push(step[1]);
  };

  deliver(queue: CommandQueue, chunk: (output: string) => string[] = (output) => [output]): void {
    for (let output = this.#outbox.shift(); output !== undefined; output = this.#outbox.shift()) {
      for (const piece of chunk(output)) queue.feed(piece);
    }
  }
}

function setUp(script: [string, string][] = []) {
  const modem = new ScriptedModem(script);
  const timeouts = new ManualTimeouts();
  const queue = new CommandQueue({ write: modem.write, timeouts, defaultTimeoutMs: 1_000 });
  const unsolicited: UnsolicitedResult[] = [];
  queue.onUnsolicited((result) => unsolicited.push(result));
  return { modem, timeouts, queue, unsolicited };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const [SUBMIT] = encodeSmsSubmit('+46708251358', 'hellohello', { requestStatusReport: false, validityMinutes: 4 * 24 * 60 });
if (SUBMIT === undefined) throw new Error('no PDU');
const CDS_PDU = '0006D60B911326880736F4111011719551401110117195714000';

describe('CommandQueue.send', () => {
  it('writes the command with a carriage return and resolves with the information lines', async () => {
    const { modem, queue } = setUp([['AT+CSQ\r', '\r\n+CSQ: 17,99\r\n\r\nOK\r\n']]);
    const answer = queue.send('AT+CSQ');
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['+CSQ: 17,99']);
    expect(modem.written).toEqual(['AT+CSQ\r']);
  });

  it('skips the echo of a modem left in ATE1', async () => {
    const { modem, queue } = setUp([['AT+CSQ\r', 'AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n']]);
    const answer = queue.send('AT+CSQ');
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['+CSQ: 17,99']);
  });

  it('keeps one command in flight: the next is written only after the first is answered', async () => {
    const { modem, queue } = setUp([
      ['ATE0\r', '\r\nOK\r\n'],
      ['AT+CMGF=0\r', '\r\nOK\r\n'],
    ]);
    const first = queue.send('ATE0');
    const second = queue.send('AT+CMGF=0');
    expect(modem.written).toEqual(['ATE0\r']);
    expect(queue.pending).toBe(2);
    modem.deliver(queue);
    await expect(Promise.all([first, second])).resolves.toEqual([[], []]);
    expect(modem.written).toEqual(['ATE0\r', 'AT+CMGF=0\r']);
  });

  it('hands URCs mid-command to the listener, not to the answer', async () => {
    const { modem, queue, unsolicited } = setUp([
      ['AT+CSQ\r', '\r\n+CMTI: "SM",3\r\n+CSQ: 17,99\r\nRING\r\n^RSSI: 17\r\n\r\nOK\r\n'],
    ]);
    const answer = queue.send('AT+CSQ');
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['+CSQ: 17,99']);
    expect(unsolicited.map((result) => result.kind)).toEqual(['message-stored', 'ring', 'signal']);
  });

  it('takes +CREG as the answer to AT+CREG? and as a URC during another command', async () => {
    const { modem, queue, unsolicited } = setUp([
      ['AT+CREG?\r', '\r\n+CREG: 0,1\r\n\r\nOK\r\n'],
      ['AT+CSQ\r', '\r\n+CREG: 5\r\n+CSQ: 20,99\r\n\r\nOK\r\n'],
    ]);
    const registration = queue.send('AT+CREG?');
    const signal = queue.send('AT+CSQ');
    modem.deliver(queue);
    await expect(registration).resolves.toEqual(['+CREG: 0,1']);
    await expect(signal).resolves.toEqual(['+CSQ: 20,99']);
    expect(unsolicited).toEqual([{ kind: 'registration', domain: 'circuit', state: 'roaming', registered: true, line: '+CREG: 5' }]);
  });

  it('takes +CPIN: READY as the answer to AT+CPIN? and as a URC when nothing asked', async () => {
    const { modem, queue, unsolicited } = setUp([['AT+CPIN?\r', '\r\n+CPIN: READY\r\n\r\nOK\r\n']]);
    queue.feed('\r\n+CPIN: READY\r\n');
    const answer = queue.send('AT+CPIN?');
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['+CPIN: READY']);
    expect(unsolicited).toEqual([{ kind: 'sim-status', status: 'READY', line: '+CPIN: READY' }]);
  });

  it('lets the caller name the answer when the command does not', async () => {
    const { modem, queue, unsolicited } = setUp([['ATI\r', '\r\nManufacturer: huawei\r\n+CPIN: READY\r\n\r\nOK\r\n']]);
    const answer = queue.send('ATI', { expectPrefix: '+cpin' });
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['Manufacturer: huawei', '+CPIN: READY']);
    expect(unsolicited).toEqual([]);
  });

  it.each([
    ['+CMS ERROR: 304', 'permanent'],
    ['+CME ERROR: 11', 'modem-fault'],
    ['ERROR', 'retryable'],
  ])('rejects %s with an AtCommandError classified %s', async (line, disposition) => {
    const { modem, queue } = setUp([['AT+CMGR=1\r', `\r\n${line}\r\n`]]);
    const answer = queue.send('AT+CMGR=1');
    modem.deliver(queue);
    const error = await rejectionOf(answer);
    expect(error).toBeInstanceOf(AtCommandError);
    expect(error).toMatchObject({ code: 'AT_COMMAND_FAILED', command: 'AT+CMGR=1', disposition });
  });

  it('rejects a command that is not one AT command, without writing it', async () => {
    const { modem, queue } = setUp();
    await expect(queue.send('AT+CMGF=0\rAT+CMGD=1,4')).rejects.toThrow(RangeError);
    await expect(queue.send('CMGF=0')).rejects.toThrow(RangeError);
    expect(modem.written).toEqual([]);
  });

  it('passes lines that belong to no command to the listener as unrecognised', () => {
    const { queue, unsolicited } = setUp();
    queue.feed('\r\nsomething odd\r\nOK\r\n');
    expect(unsolicited).toEqual([
      { kind: 'unrecognised', line: 'something odd' },
      { kind: 'unrecognised', line: 'OK' },
    ]);
  });
});

describe('CommandQueue timeouts', () => {
  it('rejects with AtTimeoutError when no final result code arrives in time', async () => {
    const { queue, timeouts } = setUp();
    const answer = queue.send('AT+COPS?', { timeoutMs: 3_000 });
    timeouts.advance(2_999);
    expect(queue.pending).toBe(1);
    timeouts.advance(1);
    const error = await rejectionOf(answer);
    expect(error).toBeInstanceOf(AtTimeoutError);
    expect(error).toMatchObject({ code: 'AT_TIMEOUT', timeoutMs: 3_000, awaiting: 'final result code', disposition: 'modem-fault' });
  });

  it('uses the default timeout when the command names none', async () => {
    const { queue, timeouts } = setUp();
    const answer = queue.send('AT');
    timeouts.advance(1_000);
    await expect(answer).rejects.toThrow(/^AT: no final result code from the modem within 1000 ms$/);
  });

  it('moves on to the next command after a timeout', async () => {
    const { modem, queue, timeouts } = setUp([
      ['AT+COPS?\r', ''],
      ['AT\r', '\r\nOK\r\n'],
    ]);
    const hung = queue.send('AT+COPS?');
    const next = queue.send('AT');
    timeouts.advance(1_000);
    await expect(hung).rejects.toBeInstanceOf(AtTimeoutError);
    modem.deliver(queue);
    await expect(next).resolves.toEqual([]);
  });

  it('cancels the timer once the answer arrives', async () => {
    const { modem, queue, timeouts } = setUp([['AT\r', '\r\nOK\r\n']]);
    const answer = queue.send('AT');
    modem.deliver(queue);
    await answer;
    expect(timeouts.pending).toBe(0);
  });

  it('starts a command\'s time when it is written, not when it is queued', async () => {
    const { modem, queue, timeouts } = setUp([
      ['AT+COPS=0\r', ''],
      ['AT\r', ''],
    ]);
    void queue.send('AT+COPS=0', { timeoutMs: 5_000 }).catch(() => undefined);
    const later = queue.send('AT', { timeoutMs: 1_000 });
    timeouts.advance(4_000);
    expect(modem.written).toEqual(['AT+COPS=0\r']);
    timeouts.advance(1_000);
    expect(modem.written).toEqual(['AT+COPS=0\r', 'AT\r']);
    timeouts.advance(999);
    expect(queue.pending).toBe(1);
    timeouts.advance(1);
    await expect(later).rejects.toBeInstanceOf(AtTimeoutError);
  });
});

describe('CommandQueue.sendPdu', () => {
  const cmgs = `AT+CMGS=${SUBMIT.tpduLength}\r`;
  const pdu = `${SUBMIT.hex}\x1a`;

  it('writes AT+CMGS, waits for the prompt, writes the PDU and Ctrl-Z, and returns the reference', async () => {
    const { modem, queue } = setUp([
      [cmgs, '\r\n> '],
      [pdu, '\r\n+CMGS: 12\r\n\r\nOK\r\n'],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    expect(modem.written).toEqual([cmgs]);
    modem.deliver(queue);
    await expect(reference).resolves.toBe(12);
    expect(modem.written).toEqual([cmgs, pdu]);
  });

  it('skips the echo of the command and of the PDU when echo is on', async () => {
    const { modem, queue, unsolicited } = setUp([
      [cmgs, `${cmgs}\r\n> `],
      [pdu, `${SUBMIT.hex}\x1a\r\n+CMGS: 13\r\n\r\nOK\r\n`],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    await expect(reference).resolves.toBe(13);
    expect(unsolicited).toEqual([]);
  });

  it('hands URCs between the prompt and the answer to the listener', async () => {
    const { modem, queue, unsolicited } = setUp([
      [cmgs, '\r\n+CMTI: "SM",4\r\n> '],
      [pdu, `\r\n+CDS: 25\r\n${CDS_PDU}\r\nRING\r\n+CMGS: 14\r\n\r\nOK\r\n`],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    await expect(reference).resolves.toBe(14);
    expect(unsolicited).toEqual([
      { kind: 'message-stored', storage: 'SM', index: 4, line: '+CMTI: "SM",4' },
      { kind: 'status-report', tpduLength: 25, pdu: CDS_PDU, line: '+CDS: 25' },
      { kind: 'ring', line: 'RING' },
    ]);
  });

  it('rejects an error before the prompt without writing the PDU', async () => {
    const { modem, queue } = setUp([[cmgs, '\r\n+CMS ERROR: 304\r\n']]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    await expect(reference).rejects.toMatchObject({ disposition: 'permanent', reason: '+CMS ERROR 304: invalid PDU mode parameter' });
    expect(modem.written).toEqual([cmgs]);
  });

  it('rejects the network\'s refusal after the PDU, classified', async () => {
    const { modem, queue } = setUp([
      [cmgs, '\r\n> '],
      [pdu, '\r\n+CMS ERROR: 42\r\n'],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    const error = await rejectionOf(reference);
    expect(error).toBeInstanceOf(AtCommandError);
    expect(error).toMatchObject({ disposition: 'retryable', result: { kind: 'cms-error', code: 42 } });
  });

  it('rejects OK without a +CMGS reference as a protocol error', async () => {
    const { modem, queue } = setUp([
      [cmgs, '\r\n> '],
      [pdu, '\r\nOK\r\n'],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    const error = await rejectionOf(reference);
    expect(error).toBeInstanceOf(AtProtocolError);
    expect(error).toHaveProperty('message', `AT+CMGS=${SUBMIT.tpduLength}: OK without a +CMGS message reference`);
  });

  it('rejects OK in place of the prompt as a protocol error', async () => {
    const { modem, queue } = setUp([[cmgs, '\r\nOK\r\n']]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    modem.deliver(queue);
    await expect(reference).rejects.toBeInstanceOf(AtProtocolError);
  });

  it('times out waiting for the prompt, cancels it with ESC and moves on', async () => {
    const { modem, queue, timeouts } = setUp([
      [cmgs, ''],
      ['\x1b', ''],
      ['AT\r', '\r\nOK\r\n'],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex, { promptTimeoutMs: 2_000 });
    const next = queue.send('AT');
    timeouts.advance(2_000);
    await expect(reference).rejects.toMatchObject({ code: 'AT_TIMEOUT', awaiting: 'prompt', timeoutMs: 2_000 });
    modem.deliver(queue);
    await expect(next).resolves.toEqual([]);
    expect(modem.written).toEqual([cmgs, '\x1b', 'AT\r']);
  });

  it('times the answer from the PDU with its own, longer timeout', async () => {
    const { modem, queue, timeouts } = setUp([
      [cmgs, '\r\n> '],
      [pdu, ''],
    ]);
    const reference = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex, { promptTimeoutMs: 1_000, answerTimeoutMs: 30_000 });
    timeouts.advance(500);
    modem.deliver(queue);
    timeouts.advance(29_999);
    expect(queue.pending).toBe(1);
    timeouts.advance(1);
    await expect(reference).rejects.toMatchObject({ awaiting: 'final result code', timeoutMs: 30_000 });
  });

  it('refuses a length that does not match the PDU, before writing anything', async () => {
    const { modem, queue } = setUp();
    await expect(queue.sendPdu(SUBMIT.tpduLength + 1, SUBMIT.hex)).rejects.toThrow(/announces 24 TPDU octets but the PDU holds 23/);
    expect(modem.written).toEqual([]);
  });
});

describe('CommandQueue.close', () => {
  it('rejects the command in flight and those waiting, and any sent later', async () => {
    const { queue, timeouts } = setUp();
    const inFlight = queue.send('AT+COPS?');
    const waiting = queue.sendPdu(SUBMIT.tpduLength, SUBMIT.hex);
    queue.close('serial port closed');
    await expect(inFlight).rejects.toBeInstanceOf(AtQueueClosedError);
    await expect(waiting).rejects.toMatchObject({ reason: 'serial port closed', disposition: 'retryable' });
    await expect(queue.send('AT')).rejects.toThrow(/^AT: command queue closed \(serial port closed\)$/);
    expect(timeouts.pending).toBe(0);
    expect(queue.pending).toBe(0);
  });

  it('stops reading a chunk when a listener closes the queue', () => {
    const { queue, unsolicited } = setUp();
    queue.onUnsolicited((result) => {
      if (result.kind === 'ring') queue.close('caller hung up the agent');
    });
    queue.feed('RING\r\n+CMTI: "SM",1\r\n');
    expect(unsolicited.map((result) => result.kind)).toEqual(['ring']);
  });

  it('ignores what the modem sends after closing', () => {
    const { queue, unsolicited } = setUp();
    queue.close('stopping');
    queue.feed('\r\nRING\r\n');
    expect(unsolicited).toEqual([]);
  });
});

describe('CommandQueue robustness', () => {
  it('reports a failing write as AtWriteError and goes on with the next command', async () => {
    let fail = true;
    const written: string[] = [];
    const queue = new CommandQueue({
      write: (data) => {
        if (fail) {
          fail = false;
          throw new Error('EIO');
        }
        written.push(data);
      },
      timeouts: new ManualTimeouts(),
    });
    const first = queue.send('AT+CSQ');
    const second = queue.send('AT');
    await expect(first).rejects.toBeInstanceOf(AtWriteError);
    expect(written).toEqual(['AT\r']);
    queue.feed('OK\r\n');
    await expect(second).resolves.toEqual([]);
  });

  it('reads an answer that the write feeds back synchronously, in order', async () => {
    const holder: { queue?: CommandQueue } = {};
    const queue = new CommandQueue({
      write: () => holder.queue?.feed('\r\n+CSQ: 9,99\r\n\r\nOK\r\n'),
      timeouts: new ManualTimeouts(),
    });
    holder.queue = queue;
    await expect(queue.send('AT+CSQ')).resolves.toEqual(['+CSQ: 9,99']);
  });

  it('finishes reading a chunk when a listener throws, then rethrows', async () => {
    const { modem, queue } = setUp([['AT\r', '\r\nRING\r\nOK\r\n']]);
    queue.onUnsolicited(() => {
      throw new Error('listener bug');
    });
    const answer = queue.send('AT');
    expect(() => {
      modem.deliver(queue);
    }).toThrow('listener bug');
    await expect(answer).resolves.toEqual([]);
  });

  it('writes a command a listener sends mid-chunk only after the chunk, so it claims no earlier line', async () => {
    const { modem, queue, unsolicited } = setUp([['AT+CREG?\r', '\r\n+CREG: 0,5\r\n\r\nOK\r\n']]);
    let answer: Promise<readonly string[]> | undefined;
    queue.onUnsolicited((result) => {
      if (result.kind === 'ring') answer = queue.send('AT+CREG?');
    });
    queue.feed('\r\nRING\r\n+CREG: 1\r\n');
    expect(unsolicited.map((result) => result.line)).toEqual(['RING', '+CREG: 1']);
    expect(modem.written).toEqual(['AT+CREG?\r']);
    modem.deliver(queue);
    await expect(answer).resolves.toEqual(['+CREG: 0,5']);
  });

  it('stops calling a listener once it is removed', () => {
    const { queue } = setUp();
    const seen: string[] = [];
    const remove = queue.onUnsolicited((result) => seen.push(result.kind));
    queue.feed('RING\r\n');
    remove();
    queue.feed('RING\r\n');
    expect(seen).toEqual(['ring']);
  });
});

describe('CommandQueue over a scripted session, however the output is chunked', () => {
  const script: [string, string][] = [
    ['ATE1\r', 'ATE1\r\r\nOK\r\n'],
    ['AT+CSQ\r', 'AT+CSQ\r\r\n+CREG: 1\r\n+CSQ: 21,99\r\n+CMTI: "SM",7\r\n\r\nOK\r\n\r\nRING\r\n'],
    [`AT+CMGS=${SUBMIT.tpduLength}\r`, `AT+CMGS=${SUBMIT.tpduLength}\r\r\n> `],
    [`${SUBMIT.hex}\x1a`, `${SUBMIT.hex}\r\n+CDS: 25\r\n${CDS_PDU}\r\n+CMGS: 201\r\n\r\nOK\r\n`],
    ['AT+CREG?\r', 'AT+CREG?\r\r\n+CREG: 0,1\r\n\r\nOK\r\n'],
    ['AT+CMGD=1\r', 'AT+CMGD=1\r\r\n+CMS ERROR: 321\r\n'],
  ];

  async function run(chunk: (output: string) => string[]) {
    const { modem, queue, unsolicited } = setUp(script);
    const settled = Promise.allSettled([
      queue.send('ATE1'),
      queue.send('AT+CSQ'),
      queue.sendPdu(SUBMIT?.tpduLength ?? 0, SUBMIT?.hex ?? ''),
      queue.send('AT+CREG?'),
      queue.send('AT+CMGD=1'),
    ]);
    modem.deliver(queue, chunk);
    const results = (await settled).map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as AtCommandError).reason,
    );
    return { results, unsolicited: unsolicited.map((result) => result.line), written: modem.written };
  }

  const expected = {
    results: [[], ['+CSQ: 21,99'], 201, ['+CREG: 0,1'], '+CMS ERROR 321: invalid memory index'],
    unsolicited: ['+CREG: 1', '+CMTI: "SM",7', 'RING', '+CDS: 25'],
    written: script.map(([sent]) => sent),
  };

  it('gives the expected answers, URCs and writes when each output arrives whole', async () => {
    await expect(run((output) => [output])).resolves.toEqual(expected);
  });

  it('gives the same when every output arrives one character at a time', async () => {
    await expect(run((output) => Array.from(output))).resolves.toEqual(expected);
  });

  const longest = Math.max(...script.map(([, reply]) => reply.length));
  it(`gives the same with each output split in two at every position up to ${longest}`, async () => {
    for (let at = 1; at < longest; at++) {
      const outcome = await run((output) => [output.slice(0, at), output.slice(at)].filter((piece) => piece !== ''));
      expect(outcome, `split at ${at}`).toEqual(expected);
    }
  });
});

describe('answerNameOf', () => {
  it.each([
    ['AT+CREG?', '+CREG'],
    ['at+cmgs=23', '+CMGS'],
    ['AT^SYSINFO', '^SYSINFO'],
    ['ATE0', undefined],
    ['ATI', undefined],
  ])('names the answer of %s %s', (command, name) => {
    expect(answerNameOf(command)).toBe(name);
  });
});
