// Shared setup of the k6 scripts: the gRPC client, the caller's API key and distinct numbers.
// Every setting comes from the environment (k6 run -e NAME=value …); see README "Load testing".
import grpc from 'k6/net/grpc';
import exec from 'k6/execution';

export const ADDRESS = __ENV.SWITCHBOARD_GRPC || '127.0.0.1:50051';
const API_KEY = __ENV.SWITCHBOARD_API_KEY;
// E.164 prefix the distinct numbers start with; with 8 more digits it must be a valid mobile number
// of a country the app allows and a route serves (+49151 is a German mobile range).
const NUMBER_PREFIX = __ENV.NUMBER_PREFIX || '+49151';
const NUMBER_OFFSET = Number(__ENV.NUMBER_OFFSET || '10000000');

if (!API_KEY) throw new Error('SWITCHBOARD_API_KEY is not set: pass -e SWITCHBOARD_API_KEY=<an API key from AdminService.CreateApiKey>');

/** A client with the public protos loaded; call in the init context (k6 loads protos only there). */
export function newClient() {
  const client = new grpc.Client();
  client.load(['../../../proto'], 'switchboard/v1/verify.proto', 'switchboard/v1/messaging.proto');
  return client;
}

/** Connects once per VU (a VU keeps its HTTP/2 connection, as a caller's pool would). */
export function connected(client, state) {
  if (!state.connected) {
    const tls = __ENV.SWITCHBOARD_TLS === 'true';
    client.connect(ADDRESS, { plaintext: !tls, timeout: '10s' });
    state.connected = true;
  }
  return client;
}

export const params = { metadata: { authorization: `Bearer ${API_KEY}` }, timeout: '10s' };

/** The index-th distinct number of this run (move NUMBER_OFFSET between runs: sends per number are limited). */
export function numberAt(index) {
  return `${NUMBER_PREFIX}${String(NUMBER_OFFSET + index).padStart(8, '0')}`;
}

/** A number no other iteration of this test uses. */
export function distinctNumber() {
  return numberAt(exec.scenario.iterationInTest);
}

/** An open-loop scenario: RATE calls per second for DURATION, however slow the answers. */
export function arrivalScenario(defaultRate) {
  const rate = Number(__ENV.RATE || defaultRate);
  return {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: __ENV.DURATION || '60s',
    preAllocatedVUs: Number(__ENV.VUS || Math.max(50, Math.ceil(rate / 10))),
    maxVUs: Number(__ENV.MAX_VUS || Math.max(200, rate)),
  };
}

export const OK = grpc.StatusOK;
