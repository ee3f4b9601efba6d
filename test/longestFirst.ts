// Two workers on a 2-core machine: the two long notebook passes (nbclient and JupyterLab) start first, one per worker,
// so they overlap each other and every short test file runs beside them instead of after them.
import { BaseSequencer, type TestSpecification } from "vitest/node";

const longest = ["test/browser/lab.test.ts", "test/notebooks.test.ts"];

const rank = (spec: TestSpecification) => {
  const index = longest.findIndex((path) => spec.moduleId.endsWith(path));
  return index === -1 ? longest.length : index;
};

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
