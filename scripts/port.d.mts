// Types of port.mjs, for the tests that import it.
export declare function portInUse(port: number): Promise<boolean>;
export declare function freePort(): Promise<number>;
export declare function requestedPort(args: string[]): number | undefined;
