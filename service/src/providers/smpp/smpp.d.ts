// The `smpp` package ships no types. It is typed narrowly in `smpp-wire.ts`; nothing else imports it.
declare module 'smpp' {
  const smpp: unknown;
  export default smpp;
}
