// Node 20.19 is the oldest Node that loads ES modules with require(), which is how tslab loads the lib.
// Imported first by the scripts, so an older Node gets this sentence rather than a stack trace from the kernel.

/** Why this Node cannot run the project, or undefined when it can ("^20.19.0 || >=22.12.0", as package.json). */
export function nodeVersionProblem(version = process.version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  const supported = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
  if (supported) return undefined;
  return [
    `Node.js ${version} is too old for this project: it needs Node 20.19 or newer (20.19+, 22.12+ or 23+),`,
    "because the TypeScript kernel (tslab) loads the lib with require(), which older Node cannot do for ES modules.",
    "Install a current Node.js LTS (https://nodejs.org), then run `npm install` again.",
  ].join("\n");
}

const problem = nodeVersionProblem();
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
