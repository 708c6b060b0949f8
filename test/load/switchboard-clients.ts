/**
 * gRPC clients of a running Switchboard for the benchmarks: VerifyService and MessagingService as
 * promises spread over several HTTP/2 connections (one connection serialises its frames on one
 * socket, as a real fleet of callers would not; raw-grpc.ts keeps the load's own CPU small), and
 * AdminService through @grpc/grpc-js for setting it up.
 */
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient } from '@switchboard/proto/switchboard/v1/admin';
import { SendMessageRequest, SendMessageResponse } from '@switchboard/proto/switchboard/v1/messaging';
import { SendCodeRequest, SendCodeResponse, VerifyCodeRequest, VerifyCodeResponse } from '@switchboard/proto/switchboard/v1/verify';
import { RawGrpcChannel } from './raw-grpc.js';

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
  const channels = Array.from({ length: connections }, (_, i) => new RawGrpcChannel(addresses[i % addresses.length] ?? '', apiKey));
  let turn = 0;
  const pick = () => channels[turn++ % channels.length] as RawGrpcChannel;
  return {
    sendCode: (request) => pick().unary('/switchboard.v1.VerifyService/SendCode', request, SendCodeRequest, SendCodeResponse),
    verifyCode: (request) => pick().unary('/switchboard.v1.VerifyService/VerifyCode', request, VerifyCodeRequest, VerifyCodeResponse),
    sendMessage: (request) => pick().unary('/switchboard.v1.MessagingService/SendMessage', request, SendMessageRequest, SendMessageResponse),
    close() {
      for (const channel of channels) channel.close();
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
