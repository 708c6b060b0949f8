// VerifyCode throughput. setup() sends VERIFICATIONS codes; each iteration then checks one of them
// once. With SMSC_INBOX_URL (the SMSC simulator's http://host:port/inbox) the right code is read
// from the message the SMSC received, otherwise a wrong one is checked (both cost the service a
// full check: the code's hash is compared and the attempt counted).
//   k6 run -e SWITCHBOARD_API_KEY=… [-e VERIFICATIONS=5000] [-e SMSC_INBOX_URL=http://127.0.0.1:2776/inbox] verify-code.js
import { check } from 'k6';
import http from 'k6/http';
import exec from 'k6/execution';
import { connected, newClient, numberAt, OK, params } from './common.js';

const client = newClient();
const state = {};
const COUNT = Number(__ENV.VERIFICATIONS || '5000');

export const options = {
  setupTimeout: '10m',
  scenarios: { verifyCode: { executor: 'shared-iterations', iterations: COUNT, vus: Number(__ENV.VUS || '64'), maxDuration: '10m' } },
  thresholds: { checks: ['rate>0.999'] },
};

export function setup() {
  const sent = [];
  for (let i = 0; i < COUNT; i++) {
    const to = numberAt(i);
    const response = connected(client, state).invoke('switchboard.v1.VerifyService/SendCode', { to, channel: 'CHANNEL_SMS' }, params);
    if (response.status !== OK) throw new Error(`setup: SendCode to ${to} answered ${response.status}: ${response.error && response.error.message}`);
    sent.push({ id: response.message.verification.id, to });
  }
  const codes = {};
  if (__ENV.SMSC_INBOX_URL) {
    for (const message of http.get(__ENV.SMSC_INBOX_URL).json()) {
      const code = /#(\d{4,10})$/.exec(message.text);
      if (code) codes[message.to] = code[1];
    }
  }
  return sent.map(({ id, to }) => ({ id, code: codes[to] }));
}

export default function (verifications) {
  const verification = verifications[exec.scenario.iterationInTest % verifications.length];
  const right = verification.code !== undefined;
  const code = right ? verification.code : '000000';
  const response = connected(client, state).invoke('switchboard.v1.VerifyService/VerifyCode', { verification_id: verification.id, code }, params);
  check(response, {
    'VerifyCode OK': (r) => r && r.status === OK,
    'right codes approved': (r) => !right || (r && r.message && r.message.approved === true),
  });
}
