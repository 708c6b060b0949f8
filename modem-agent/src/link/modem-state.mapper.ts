// The sender's view of a modem, as the hello and every heartbeat carry it.
import { ModemHealth, type ModemState } from '@switchboard/proto/switchboard/v1/agent';
import type { ModemHealth as SnapshotHealth, ModemSnapshot } from '../agent.ports.js';

const HEALTH: Readonly<Record<SnapshotHealth, ModemHealth>> = {
  ready: ModemHealth.MODEM_HEALTH_READY,
  starting: ModemHealth.MODEM_HEALTH_STARTING,
  'sim-problem': ModemHealth.MODEM_HEALTH_SIM_PROBLEM,
  quarantined: ModemHealth.MODEM_HEALTH_QUARANTINED,
  unplugged: ModemHealth.MODEM_HEALTH_UNPLUGGED,
  resetting: ModemHealth.MODEM_HEALTH_RESETTING,
};

/** `snapshot` as a wire `ModemState`; counters are clamped to uint32 so a bug cannot break encoding. */
export function toModemState(snapshot: ModemSnapshot): ModemState {
  return {
    label: snapshot.label,
    imei: snapshot.imei,
    imsi: snapshot.imsi,
    operator: snapshot.operator,
    signalQuality: uint32(snapshot.signalQuality),
    health: HEALTH[snapshot.health],
    detail: snapshot.detail,
    queued: uint32(snapshot.queued),
    sentLastMinute: uint32(snapshot.sentLastMinute),
    maxPerMinute: uint32(snapshot.maxPerMinute),
  };
}

function uint32(value: number): number {
  return Number.isFinite(value) ? Math.min(0xffff_ffff, Math.max(0, Math.trunc(value))) : 0;
}
