/**
 * Stops a standalone simulator on SIGINT or SIGTERM, once: exit 0 when it stopped cleanly, 1 when
 * stopping failed. A second signal while it stops changes nothing.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void }): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
