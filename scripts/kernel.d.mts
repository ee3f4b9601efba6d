// Types of kernel.mjs, for the tests.
export declare const kernelName: string;
export declare const kernelDir: string;
export declare const kernelFile: string;
export declare const kernelDisplayName: string;
export declare function kernelSpec(): { argv: string[]; display_name: string; language: string };
export declare function registerKernel(): string;
export declare function kernelProblem(jupyter: string[]): string | undefined;
