/**
 * AgentService over gRPC: authenticates the stream by its bearer token, then hands every message
 * to an AgentSession and writes what the session sends. Errors end the stream with the status
 * the one mapping gives them.
 */
import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { AgentServiceServer, ConnectRequest, ConnectResponse } from '@switchboard/proto/switchboard/v1/agent';
import type { AgentHub } from '../agents/agent-hub.js';
import type { AgentLinkStore } from '../agents/agent-link.ports.js';
import { AgentSession } from '../agents/agent-session.js';
import type { InboundSink, LateAcceptanceSink, ReceiptSink } from '../providers/channel-provider.js';
import { SwitchboardError, UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fromConnectRequest, toConnectResponse } from './agent.mappers.js';
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
        const serviceError = toServiceError(error, deps.logger);
        call.emit('error', serviceError);
      };
      let session: AgentSession | undefined;
      const early: ConnectRequest[] = [];
      let failed = false;
      const take = (request: ConnectRequest) => {
        if (failed) return;
        if (session === undefined) {
          early.push(request);
          return;
        }
        try {
          session.receive(fromConnectRequest(request));
        } catch (error) {
          failed = true;
          session.close(error instanceof SwitchboardError ? error : new UnavailableError('malformed message', 1000));
        }
      };
      call.on('data', take);
      call.on('end', () => {
        session?.close();
        call.end();
      });
      call.on('error', () => session?.close());
      call.on('cancelled', () => session?.close());

      void (async () => {
        const token = tokenFrom(call);
        const agentId = await deps.store.agentByToken(token).catch((error: unknown) => {
          throw new UnavailableError('the agent token cannot be checked right now', 1000, { cause: error });
        });
        if (agentId === null) throw new UnauthenticatedError('unknown agent token');
        session = new AgentSession({
          agentId,
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
