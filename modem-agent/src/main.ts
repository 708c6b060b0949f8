// Entry point of the field process. For now it validates its environment and says plainly that
// it does nothing else: the AgentService stream and the serial workers arrive in later issues.
import { AgentConfigError, parseAgentConfig } from './config.js';

try {
  const config = parseAgentConfig(process.env);
  // The token is a secret: it is never logged.
  console.info(
    `modem-agent: configured for ${config.agentUrl.host}:${config.agentUrl.port}, ` +
      `${config.modemPorts.length} modem port(s) (${config.modemPorts.join(', ')}), ` +
      `journal in ${config.journalDir}`,
  );
  console.info('modem-agent: not yet connected (AgentService arrives in a later issue)');
} catch (error) {
  if (!(error instanceof AgentConfigError)) throw error;
  console.error(error.message);
  // exitCode rather than exit(): lets stderr flush before the process ends.
  process.exitCode = 1;
}
