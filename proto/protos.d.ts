/** Folder that holds `switchboard/v1/*.proto`: the include root for proto-loader. */
export declare const protoRoot: string;
/** Every service contract, relative to `protoRoot`. */
export declare const protoFiles: readonly string[];
