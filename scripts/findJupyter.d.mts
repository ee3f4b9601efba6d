// Types of findJupyter.mjs, for the tests.
import type { FoundJupyter } from "./launch.mjs";
export declare const jupyterInstallLine: string;
export declare const installHelp: string;
export declare function findJupyter(): FoundJupyter | undefined;
