// Types of train.mjs, for the tests that import it.
export interface TrainOption {
  kind: string | readonly string[];
  default?: string | number | boolean;
  min?: number;
  /** The lib's name for the option, through which the lib's errors are said in the flags' words. */
  lib?: string;
  help: string;
}
export declare const options: Record<string, TrainOption>;
export declare function helpText(): string;
export declare function parseArguments(argv: string[]): Record<string, string | number | boolean | undefined>;
export declare function givenArguments(argv: string[]): Record<string, string | number | boolean>;
export declare function typedArguments(argv: string[]): { name: string; text: string; shown: string }[];
export declare function inFlagTerms(message: string, argv: string[]): string;
export declare function commandOf(args: Record<string, string | number | boolean | undefined>): string;
