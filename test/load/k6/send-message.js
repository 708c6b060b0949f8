// SendMessage (transactional SMS) at a fixed arrival rate to distinct numbers.
//   k6 run -e SWITCHBOARD_API_KEY=… [-e SWITCHBOARD_GRPC=host:port] [-e RATE=3000] [-e DURATION=60s] send-message.js
import { check } from 'k6';
import { arrivalScenario, connected, distinctNumber, newClient, OK, params } from './common.js';

const client = newClient();
const state = {};

export const options = {
  scenarios: { sendMessage: arrivalScenario(3000) },
  thresholds: { grpc_req_duration: ['p(99)<50'], checks: ['rate>0.999'], dropped_iterations: ['count<1'] },
};

export default function () {
  const response = connected(client, state).invoke(
    'switchboard.v1.MessagingService/SendMessage',
    { to: distinctNumber(), text: `Your parcel ${__ITER} is on its way.`, idempotency_key: `k6-${__VU}-${__ITER}-${Date.now()}` },
    params,
  );
  check(response, { 'SendMessage OK': (r) => r && r.status === OK });
}
