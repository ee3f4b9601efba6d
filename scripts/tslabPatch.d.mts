// Types of tslabPatch.mjs, for the tests.
export declare function tslabJupyterFile(): string;
export declare function patchedJupyterSource(source: string, file?: string): string;
export declare function patchTslab(file?: string): boolean;
