/**
 * The simulators' specs wait for what happens over sockets and timers with this one helper:
 * polling rather than fixed sleeps, so a spec is as fast as the simulator and fails saying so.
 */

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`, naming `what` when given. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
