/**
 * When a taken message's reports go out: an intermediate "sent" after half the receipt delay,
 * the final one (by the behaviour's outcome for the destination) after all of it.
 */
import type { SimCore, SimMessage, SimProviderRoutes } from './sim-core.js';

/** Schedules the reports of `message`; none when its outcome is `none`. */
export function scheduleReceipts(core: SimCore, routes: SimProviderRoutes, message: SimMessage): void {
  const outcome = core.smsOutcomeFor(message.to);
  if (outcome === 'none') return;
  const delay = core.behaviour().receiptDelayMs;
  const half = Math.floor(delay / 2);
  // Chained, so the final report never overtakes the intermediate one on the wire.
  core.schedule(half, async () => {
    await routes.sendReceipt(core, message, 'sent');
    core.schedule(delay - half, () => routes.sendReceipt(core, message, outcome));
  });
}
