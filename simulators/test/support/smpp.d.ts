// The `smpp` package ships no types. Only the specs' cross-check (smpp-library.ts) loads it.
declare module 'smpp' {
  const smpp: unknown;
  export default smpp;
}
