// SendCode at a fixed arrival rate to distinct numbers: accept latency and errors.
//   k6 run -e SWITCHBOARD_API_KEY=… [-e SWITCHBOARD_GRPC=host:port] [-e RATE=2000] [-e DURATION=60s] send-code.js
import { check } from 'k6';
import { arrivalScenario, connected, distinctNumber, newClient, OK, params } from './common.js';

const client = newClient();
const state = {};

export const options = {
  scenarios: { sendCode: arrivalScenario(2000) },
  thresholds: {
    // README targets at 2,000/s offered on one PostgreSQL primary.
    grpc_req_duration: ['p(99)<50'],
    checks: ['rate>0.999'],
    dropped_iterations: ['count<1'],
  },
};

export default function () {
  const response = connected(client, state).invoke('switchboard.v1.VerifyService/SendCode', { to: distinctNumber(), channel: 'CHANNEL_SMS' }, params);
  check(response, {
    'SendCode OK': (r) => r && r.status === OK,
    'a verification id': (r) => r && r.message && r.message.verification && r.message.verification.id !== '',
  });
}
