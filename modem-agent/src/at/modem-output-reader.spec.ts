import { describe, expect, it } from 'vitest';
import { ModemOutputReader, type ModemEvent, type ReaderContext } from './modem-output-reader.js';

function read(output: string, context: ReaderContext = { answerName: undefined }): ModemEvent[] {
  return Array.from(new ModemOutputReader(() => context).feed(output));
}

const CDS_PDU = '0006D60B911326880736F4111011719551401110117195714000';

describe('ModemOutputReader', () => {
  it('reads an answer: information text, then the final result code', () => {
    expect(read('\r\n+CSQ: 17,99\r\n\r\nOK\r\n', { answerName: '+CSQ' })).toEqual([
      { kind: 'line', line: '+CSQ: 17,99' },
      { kind: 'final', result: { kind: 'ok' }, line: 'OK' },
    ]);
  });

  it('takes +CREG as the answer when the command in flight asked for +CREG', () => {
    expect(read('+CREG: 0,1\r\n', { answerName: '+CREG' })).toEqual([{ kind: 'line', line: '+CREG: 0,1' }]);
  });

  it('takes +CREG as a URC when the command in flight asked for something else', () => {
    expect(read('+CREG: 1\r\n', { answerName: '+CSQ' })).toEqual([
      { kind: 'unsolicited', result: { kind: 'registration', domain: 'circuit', state: 'home', registered: true, line: '+CREG: 1' } },
    ]);
  });

  it('takes +CPIN: READY as a URC when no command is in flight', () => {
    expect(read('+CPIN: READY\r\n')).toEqual([{ kind: 'unsolicited', result: { kind: 'sim-status', status: 'READY', line: '+CPIN: READY' } }]);
  });

  it('takes +CMTI and RING as URCs even when the command in flight names them', () => {
    const events = read('+CMTI: "SM",1\r\nRING\r\n', { answerName: '+CMTI' });
    expect(events.map((event) => event.kind)).toEqual(['unsolicited', 'unsolicited']);
  });

  it('pairs +CDS with the PDU on the next line, even inside another command\'s answer', () => {
    expect(read(`+CSQ: 17,99\r\n+CDS: 25\r\n${CDS_PDU}\r\nOK\r\n`, { answerName: '+CSQ' })).toEqual([
      { kind: 'line', line: '+CSQ: 17,99' },
      { kind: 'unsolicited', result: { kind: 'status-report', tpduLength: 25, pdu: CDS_PDU, line: '+CDS: 25' } },
      { kind: 'final', result: { kind: 'ok' }, line: 'OK' },
    ]);
  });

  it('pairs +CMT with its PDU across chunks', () => {
    const reader = new ModemOutputReader(() => ({ answerName: undefined }));
    expect(Array.from(reader.feed('+CMT: ,24\r\n0791'))).toEqual([]);
    expect(Array.from(reader.feed('ABCD\r\n'))).toEqual([
      { kind: 'unsolicited', result: { kind: 'message', tpduLength: 24, pdu: '0791ABCD', line: '+CMT: ,24' } },
    ]);
  });

  it('does not swallow a final result code that arrives where a PDU was announced', () => {
    expect(read('+CDS: 25\r\nOK\r\n')).toEqual([
      { kind: 'unsolicited', result: { kind: 'unrecognised', line: '+CDS: 25' } },
      { kind: 'final', result: { kind: 'ok' }, line: 'OK' },
    ]);
  });

  it('passes unknown lines on as lines, for the command in flight or for the log', () => {
    expect(read('Manufacturer: huawei\r\n')).toEqual([{ kind: 'line', line: 'Manufacturer: huawei' }]);
  });

  it('asks for the context line by line, so a line after OK is judged with the command gone', () => {
    let context: ReaderContext = { answerName: '+CREG' };
    const reader = new ModemOutputReader(() => context);
    const kinds: string[] = [];
    for (const event of reader.feed('OK\r\n+CREG: 1\r\n')) {
      kinds.push(event.kind);
      if (event.kind === 'final') context = { answerName: undefined };
    }
    expect(kinds).toEqual(['final', 'unsolicited']);
  });

  it('yields the prompt', () => {
    expect(read('AT+CMGS=23\r\r\n> ')).toEqual([{ kind: 'line', line: 'AT+CMGS=23' }, { kind: 'prompt' }]);
  });
});
