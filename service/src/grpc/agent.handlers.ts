/**
 * AgentService over gRPC: authenticates the stream by its bearer token, then hands every message
 * to an AgentSession and writes what the session sends. Errors end the stream with the status
 * the one mapping gives them.
 */
import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { AgentServiceServer, ConnectRequest, ConnectResponse } from '@switchboard/proto/switchboard/v1/agent';
import type { AgentHub } from '../agents/agent-hub.js';
import type { AgentLinkStore, AgentMessage } from '../agents/agent-link.ports.js';
import { AgentSession } from '../agents/agent-session.js';
import type { InboundSink, LateAcceptanceSink, ReceiptSink } from '../providers/channel-provider.js';
import { InvalidArgumentError, SwitchboardError, UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fromConnectRequest, isResultId, toConnectResponse } from './agent.mappers.js';
import { toServiceError } from './status-mapping.js';

export interface AgentHandlerDeps {
  readonly hub: AgentHub;
  readonly store: AgentLinkStore;
  readonly replica: string;
  readonly heartbeatSeconds: number;
  readonly receipts: ReceiptSink;
  readonly lateAcceptances: LateAcceptanceSink;
  readonly inbound: InboundSink;
  readonly logger: Logger;
}

const MAX_TOKEN_LENGTH = 256;
const MAX_EARLY_MESSAGES = 64;

/** The result id of a result message, when it has one to acknowledge. */
function resultIdOf(request: ConnectRequest): string | undefined {
  const body = request.body;
  if (body === undefined) return undefined;
  switch (body.$case) {
    case 'submitted':
    case 'failed':
    case 'receipt':
    case 'inbound':
      return isResultId(body.value.resultId) ? body.value.resultId : undefined;
    default:
      return undefined;
  }
}

function tokenFrom(call: ServerDuplexStream<ConnectRequest, ConnectResponse>): string {
  const [authorization] = call.metadata.get('authorization');
  if (typeof authorization !== 'string' || authorization.trim() === '') {
    throw new UnauthenticatedError('AgentService needs the agent token: send "authorization: Bearer <token>"');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match?.[1] || match[1].length > MAX_TOKEN_LENGTH) throw new UnauthenticatedError('authorization metadata must be "Bearer <agent token>"');
  return match[1];
}

export function agentServiceHandlers(deps: AgentHandlerDeps): AgentServiceServer {
  return {
    connect(call) {
      const fail = (error: unknown) => {
        call.emit('error', toServiceError(error, deps.logger));
      };
      let session: AgentSession | undefined;
      const early: ConnectRequest[] = [];
      let failed = false;
      let ended = false;
      // Read through a call: the call can end while the token is being checked.
      const hasEnded = () => ended;
      const take = (request: ConnectRequest) => {
        if (failed || ended) return;
        if (session === undefined) {
          // Only the hello is due before the token is checked; a flood waiting on it is refused.
          if (early.length >= MAX_EARLY_MESSAGES) {
            failed = true;
            fail(new InvalidArgumentError('body', `more than ${MAX_EARLY_MESSAGES} messages before the welcome; send the hello and wait for it`));
            return;
          }
          early.push(request);
          return;
        }
        let message: AgentMessage;
        try {
          message = fromConnectRequest(request);
        } catch (error) {
          const resultId = resultIdOf(request);
          if (error instanceof InvalidArgumentError && resultId !== undefined && !session.ended) {
            session.refuse(resultId, error.message);
            return;
          }
          failed = true;
          session.close(error instanceof SwitchboardError ? error : new InvalidArgumentError('body', 'could not be read'));
          return;
        }
        session.receive(message);
      };
      const finish = () => {
        ended = true;
        session?.close();
      };
      call.on('data', take);
      call.on('end', () => {
        finish();
        call.end();
      });
      call.on('error', finish);
      call.on('cancelled', finish);

      void (async () => {
        if (deps.hub.stopped) throw new UnavailableError('this replica is stopping; connect to another', 1000);
        const token = tokenFrom(call);
        const agentId = await deps.store.agentByToken(token).catch((error: unknown) => {
          throw new UnavailableError('the agent token cannot be checked right now', 1000, { cause: error });
        });
        if (agentId === null) throw new UnauthenticatedError('unknown agent token');
        if (hasEnded()) return;
        session = new AgentSession({
          agentId,
          token,
          sessionId: randomUUID(),
          replica: deps.replica,
          heartbeatSeconds: deps.heartbeatSeconds,
          store: deps.store,
          host: deps.hub,
          receipts: deps.receipts,
          lateAcceptances: deps.lateAcceptances,
          inbound: deps.inbound,
          send: (message) => {
            if (!call.writableEnded && !call.destroyed) call.write(toConnectResponse(message));
          },
          end: (error) => { fail(error); },
          logger: deps.logger,
        });
        for (const request of early.splice(0)) take(request);
      })().catch((error: unknown) => {
        failed = true;
        fail(error);
      });
    },
  };
}
