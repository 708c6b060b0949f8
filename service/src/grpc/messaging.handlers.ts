import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import type { MessagingServiceServer, WatchMessageRequest, WatchMessageResponse } from '@switchboard/proto/switchboard/v1/messaging';
import type { MessagingService } from '../messaging/messaging.service.js';
import { maskPhoneNumber } from '../shared/masking.js';
import type { AppAuthenticator, AppProfile } from '../verification/app-profile.js';
import { authenticateApp } from './auth.js';
import { messageToProto } from './message.mappers.js';
import { toServiceError } from './status-mapping.js';
import type { Logger } from '../shared/logger.js';

/** Thin MessagingService handlers: authenticate, call the service, map. */
// Per-request lines are debug: at thousands of requests a second they would be most of the log.
export function messagingServiceHandlers(deps: { messaging: MessagingService; apps: AppAuthenticator; logger: Logger }): MessagingServiceServer {
  const { messaging, apps, logger } = deps;

  function unary<Req, Res>(work: (app: AppProfile, request: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      authenticateApp(call.metadata, apps)
        .then((app) => work(app, call.request))
        .then(
          (response) => { callback(null, response); },
          (error: unknown) => { callback(toServiceError(error, logger)); },
        );
    };
  }

  return {
    sendMessage: unary(async (app, request) => {
      const message = await messaging.sendMessage(app, { to: request.to, text: request.text, idempotencyKey: request.idempotencyKey });
      logger.debug({ app: app.name, messageId: message.id, to: maskPhoneNumber(message.to) }, 'message accepted');
      return { message: messageToProto(message) };
    }),
    getMessage: unary(async (app, request) => ({ message: messageToProto(await messaging.getMessage(app, request.messageId)) })),
    watchMessage: (call: ServerWritableStream<WatchMessageRequest, WatchMessageResponse>) => {
      const abort = new AbortController();
      call.on('cancelled', () => { abort.abort(); });
      void (async () => {
        try {
          const app = await authenticateApp(call.metadata, apps);
          for await (const view of messaging.watchMessage(app, call.request.messageId, abort.signal)) {
            call.write({ message: messageToProto(view) });
          }
          call.end();
        } catch (error) {
          call.destroy(toServiceError(error, logger) as ServiceError);
        }
      })();
    },
  };
}
