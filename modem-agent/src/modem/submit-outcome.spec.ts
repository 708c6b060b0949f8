import { describe, expect, it } from 'vitest';
import { AtCommandError, AtProtocolError, AtQueueClosedError, AtTimeoutError } from '../at/at-errors.js';
import { submitOutcomeOf } from './submit-outcome.js';

describe('submitOutcomeOf', () => {
  it('reads a +CMS ERROR as not sent, before or after the PDU, with its disposition', () => {
    const refused = new AtCommandError('AT+CMGS=20', { kind: 'cms-error', code: 38, text: '38' }, []);
    expect(submitOutcomeOf(refused, true)).toMatchObject({ kind: 'not-sent', disposition: 'retryable', promptSeen: true });
    expect(submitOutcomeOf(refused, false)).toMatchObject({ kind: 'not-sent', promptSeen: false });
  });

  it('reads silence before the prompt as not sent: no PDU byte left the agent', () => {
    expect(submitOutcomeOf(new AtTimeoutError('AT+CMGS=20', 5000, 'prompt'), false)).toMatchObject({ kind: 'not-sent', disposition: 'modem-fault', promptSeen: false });
    expect(submitOutcomeOf(new AtQueueClosedError('AT+CMGS=20', 'unplugged'), false)).toMatchObject({ kind: 'not-sent', disposition: 'retryable' });
  });

  it('reads anything but an error code after the PDU as unknown', () => {
    expect(submitOutcomeOf(new AtTimeoutError('AT+CMGS=20', 60000, 'final result code'), true).kind).toBe('unknown');
    expect(submitOutcomeOf(new AtQueueClosedError('AT+CMGS=20', 'unplugged'), true).kind).toBe('unknown');
    expect(submitOutcomeOf(new AtProtocolError('AT+CMGS=20', 'OK without a +CMGS message reference', []), true).kind).toBe('unknown');
  });
});
