// How the link dials: TLS with the configured CA and optional client certificate, or plaintext
// where the config allows it (a service on loopback). Files are read at each dial, so a renewed
// certificate is picked up by the next connection without restarting the agent.
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { ServiceTls } from '../config.js';

/** Credentials for `tls`; throws when a configured file cannot be read. */
export function channelCredentials(tls: ServiceTls): ChannelCredentials {
  if (tls.mode === 'plaintext') return credentials.createInsecure();
  const ca = tls.ca === undefined ? null : readFileSync(tls.ca);
  const cert = tls.clientCertificate;
  return credentials.createSsl(
    ca,
    cert === undefined ? null : readFileSync(cert.key),
    cert === undefined ? null : readFileSync(cert.cert),
  );
}

/** Keepalive settings: how the link learns that a NAT gateway silently dropped its path. */
export interface KeepaliveOptions {
  /** Ping after this long without a frame from the service. */
  readonly timeMs: number;
  /** Give the connection up when a ping is not answered within this. */
  readonly timeoutMs: number;
}

// Many NAT gateways forget an idle mapping after 60 s or more; a 30 s ping keeps it and
// notices a dead path within about 40 s. Pings go only while the stream is open (no
// permit-without-calls): the stream is always open but for the backoff between dials, and a
// server (grpc-core's default) answers pings on an idle connection with GOAWAY too_many_pings.
// The service must allow pings every 30 s (grpc-core: grpc.http2.min_ping_interval_without_data_ms).
/** Ping every 30 s, give up after 10 s without an answer. */
export const DEFAULT_KEEPALIVE: KeepaliveOptions = { timeMs: 30_000, timeoutMs: 10_000 };

/** Channel options for the link's client. */
export function channelOptions(keepalive: KeepaliveOptions): ChannelOptions {
  return {
    'grpc.keepalive_time_ms': keepalive.timeMs,
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': 0,
  };
}
