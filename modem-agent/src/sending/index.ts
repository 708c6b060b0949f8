// The sender's public face: the SmsSender the agent's composition root wires to the link.
export { ModemPool, concatenationReferenceOf, type ModemPoolOptions } from './modem-pool.js';
