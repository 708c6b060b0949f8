import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscTestBed, asciiSubmit, type TestEsme } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import { CommandId } from './smsc-pdu.js';
import { INJECTION_KINDS } from './smsc-injection.js';
import { NoReceiverError } from './smsc.simulator.js';

describe('SmscSimulator hostile injection', () => {
  let bed: SmscTestBed;
  let esme: TestEsme;

  beforeEach(async () => {
    bed = await SmscTestBed.start({ seed: 5 });
    esme = await bed.bound();
  });

  afterEach(async () => {
    await bed.stop();
  });

  it.each(['bad-length-short', 'bad-length-huge'] as const)('sends %s; a careful ESME nacks it and hangs up', async (kind) => {
    const result = await bed.simulator.injectMalformed(kind);

    expect(result).toMatchObject({ kind, response: { command: 'generic_nack', commandStatus: 0x02 }, connectionClosed: true });
    expect(Buffer.from(result.sentHex, 'hex')).toHaveLength(16);
  });

  it('sends a deliver_sm cut inside source_addr, with an honest command_length', async () => {
    const result = await bed.simulator.injectMalformed('truncated-body');

    const sent = Buffer.from(result.sentHex, 'hex');
    expect(sent.readUInt32BE(0)).toBe(sent.length);
    expect(sent.readUInt32BE(4)).toBe(CommandId.deliver_sm);
    expect(result).toMatchObject({ response: { command: 'deliver_sm_resp' }, connectionClosed: false });
  });

  it('sends an unknown command_id; the ESME answers generic_nack and stays connected', async () => {
    const result = await bed.simulator.injectMalformed('unknown-command');

    expect(result).toMatchObject({ response: { command: 'generic_nack', commandStatus: 0x03 }, connectionClosed: false });
    expect((await esme.submit(asciiSubmit('+4915112345678', 'still here'))).commandStatus).toBe(0);
  });

  it('sends a generic_nack nobody asked for, expecting no answer', async () => {
    const result = await bed.simulator.injectMalformed('generic-nack', 100);

    expect(result).toMatchObject({ response: null, connectionClosed: false });
    expect(esme.strayResponses).toEqual([expect.objectContaining({ command: 'generic_nack', commandStatus: 0x03 })]);
  });

  it('sends an unexpected unbind, takes the unbind_resp and closes', async () => {
    const result = await bed.simulator.injectMalformed('unbind');
    await esme.whenClosed();

    expect(result).toMatchObject({ response: { command: 'unbind_resp', commandStatus: 0 }, connectionClosed: true });
  });

  it('sends the same 64 garbage octets for the same seed', async () => {
    const first = await bed.simulator.injectMalformed('garbage', 100);
    await bed.stop();
    bed = await SmscTestBed.start({ seed: 5 });
    esme = await bed.bound();

    const second = await bed.simulator.injectMalformed('garbage', 100);

    expect(Buffer.from(first.sentHex, 'hex')).toHaveLength(64);
    expect(second.sentHex).toBe(first.sentHex);
    expect(bed.simulator.stats().injections).toBe(1);
  });

  it('refuses when nothing is bound', async () => {
    esme.close();
    await waitFor(() => bed.simulator.sessions().connected === 0);

    await expect(bed.simulator.injectMalformed('garbage')).rejects.toBeInstanceOf(NoReceiverError);
  });

  describe('over HTTP', () => {
    it('injects and reports the outcome', async () => {
      const response = await bed.send('POST', '/inject', { kind: 'unknown-command' });

      expect(response).toMatchObject({ status: 200, body: { kind: 'unknown-command', response: { command: 'generic_nack' }, connectionClosed: false } });
    });

    it('answers 400 naming kind for an unknown scenario, listing none of the others', async () => {
      const response = await bed.send('POST', '/inject', { kind: 'meteor' });

      expect(response).toMatchObject({ status: 400, body: { field: 'kind' } });
      expect(INJECTION_KINDS).not.toContain('meteor');
    });

    it('answers 409 when nothing is bound', async () => {
      esme.close();
      await esme.whenClosed();

      expect(await bed.send('POST', '/inject', { kind: 'garbage' })).toMatchObject({ status: 409 });
    });
  });
});
