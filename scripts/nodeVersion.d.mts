// Types of nodeVersion.mjs, for the tests that import it.
export declare function nodeVersionProblem(version?: string): string | undefined;
