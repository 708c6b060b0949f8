import type { Metadata, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { VerifyServiceServer } from '@switchboard/proto/switchboard/v1/verify';
import type { VerificationService } from '../verification/verification.service.js';
import type { AppAuthenticator, AppProfile } from '../verification/app-profile.js';
import { maskPhoneNumber } from '../shared/masking.js';
import { authenticateApp } from './auth.js';
import { toServiceError } from './status-mapping.js';
import { sendCodeFromProto, verificationToProto, verifyCodeFromProto } from './verify.mappers.js';
import type { Logger } from '../shared/logger.js';

/**
 * Thin VerifyService handlers: authenticate, map the request, call one service method, map the
 * answer. Errors of any kind go through `toServiceError`.
 */
// Per-request lines are debug: at thousands of requests a second they would be most of the log.
export function verifyServiceHandlers(deps: {
  verification: VerificationService;
  apps: AppAuthenticator;
  logger: Logger;
}): VerifyServiceServer {
  const { verification, apps, logger } = deps;

  function unary<Req, Res>(work: (app: AppProfile, request: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      handle(call.metadata, call.request, work).then(
        (response) => { callback(null, response); },
        (error: unknown) => { callback(toServiceError(error, logger)); },
      );
    };
  }

  async function handle<Req, Res>(metadata: Metadata, request: Req, work: (app: AppProfile, request: Req) => Promise<Res>) {
    const app = await authenticateApp(metadata, apps);
    return work(app, request);
  }

  return {
    sendCode: unary(async (app, request) => {
      const v = await verification.sendCode(app, sendCodeFromProto(request));
      logger.debug({ app: app.name, verificationId: v.id, to: maskPhoneNumber(v.to), channel: v.channel, sendCount: v.sendCount }, 'code sent');
      return { verification: verificationToProto(v, new Date()) };
    }),
    verifyCode: unary(async (app, request) => {
      const result = await verification.verifyCode(app, verifyCodeFromProto(request));
      const { id, status, failedChecks } = result.verification;
      logger.debug({ app: app.name, verificationId: id, approved: result.approved, status, failedChecks }, 'code checked');
      const message = verificationToProto(result.verification, new Date());
      return { approved: result.approved, status: message.status, verification: message };
    }),
    getVerification: unary(async (app, request) => {
      const v = await verification.getVerification(app, request.verificationId);
      return { verification: verificationToProto(v, new Date()) };
    }),
    cancelVerification: unary(async (app, request) => {
      const v = await verification.cancelVerification(app, request.verificationId);
      return { verification: verificationToProto(v, new Date()) };
    }),
  };
}

