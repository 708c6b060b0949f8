/**
 * gRPC clients of a running Switchboard for the benchmarks: VerifyService and MessagingService as
 * promises spread over several HTTP/2 connections (one connection serialises its frames on one
 * socket, as a real fleet of callers would not), and AdminService for setting it up.
 */
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient } from '@switchboard/proto/switchboard/v1/admin';
import { MessagingServiceClient, type SendMessageRequest, type SendMessageResponse } from '@switchboard/proto/switchboard/v1/messaging';
import {
  VerifyServiceClient,
  type SendCodeRequest,
  type SendCodeResponse,
  type VerifyCodeRequest,
  type VerifyCodeResponse,
} from '@switchboard/proto/switchboard/v1/verify';

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: Callback<Res>) => unknown;

function promised<Req, Res>(method: Unary<Req, Res>, metadata: Metadata): (request: Req) => Promise<Res> {
  return (request) =>
    new Promise((resolve, reject) => {
      method(request, metadata, (error, response) => {
        if (error) reject(error);
        else resolve(response);
      });
    });
}

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** The calls the load runs, round-robin over `connections` channels to `addresses`. */
export interface CallerApi {
  sendCode(request: SendCodeRequest): Promise<SendCodeResponse>;
  verifyCode(request: VerifyCodeRequest): Promise<VerifyCodeResponse>;
  sendMessage(request: SendMessageRequest): Promise<SendMessageResponse>;
  close(): void;
}

export function callerApi(addresses: readonly string[], apiKey: string, connections = 4): CallerApi {
  const metadata = bearer(apiKey);
  // A distinct option per channel stops grpc-js from sharing one subchannel between them.
  const verify = Array.from({ length: connections }, (_, i) => new VerifyServiceClient(addresses[i % addresses.length] ?? '', credentials.createInsecure(), { 'grpc.bench-channel': i }));
  const messaging = Array.from({ length: connections }, (_, i) => new MessagingServiceClient(addresses[i % addresses.length] ?? '', credentials.createInsecure(), { 'grpc.bench-channel': i }));
  const sendCode = verify.map((client) => promised<SendCodeRequest, SendCodeResponse>((r, m, c) => client.sendCode(r, m, c), metadata));
  const verifyCode = verify.map((client) => promised<VerifyCodeRequest, VerifyCodeResponse>((r, m, c) => client.verifyCode(r, m, c), metadata));
  const sendMessage = messaging.map((client) => promised<SendMessageRequest, SendMessageResponse>((r, m, c) => client.sendMessage(r, m, c), metadata));
  let turn = 0;
  const pick = <T>(list: readonly T[]): T => list[turn++ % list.length] as T;
  return {
    sendCode: (request) => pick(sendCode)(request),
    verifyCode: (request) => pick(verifyCode)(request),
    sendMessage: (request) => pick(sendMessage)(request),
    close() {
      for (const client of [...verify, ...messaging]) client.close();
    },
  };
}

/** AdminService with promise-returning calls: `await admin.call('createApp', { app })`. */
export function adminApi(address: string, token: string) {
  const client = new AdminServiceClient(address, credentials.createInsecure());
  const metadata = bearer(token);
  return {
    call<Res>(method: keyof AdminServiceClient, request: object): Promise<Res> {
      const fn = Reflect.get(client, method) as Unary<object, Res>;
      return promised<object, Res>((r, m, c) => fn.call(client, r, m, c), metadata)(request);
    },
    close() {
      client.close();
    },
  };
}
