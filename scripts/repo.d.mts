// Types of repo.mjs, for the tests that import it.
export declare const repoRoot: string;
export declare const notebooksDir: string;
export declare const ownNotebooksDir: string;
export declare const jupyterDir: string;
export declare const seriesName: RegExp;
export declare function seriesNotebooks(dir?: string): string[];
export declare function jupyterEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
