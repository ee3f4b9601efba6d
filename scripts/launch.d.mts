// Types of launch.mjs, for the browser test.
export interface FoundJupyter {
  command: string[];
  app: "lab" | "notebook";
}
export declare function jupyterLaunch(found: FoundJupyter, extraArgs?: string[], env?: NodeJS.ProcessEnv): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv };
