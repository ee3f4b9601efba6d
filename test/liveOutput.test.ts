// liveOutput outside a kernel: progress lines are printed, figures are announced in one line, bad input throws.
import { afterEach, describe, expect, it, vi } from "vitest";
import { heatmap, liveOutput, Matrix } from "../lib/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("liveOutput outside a kernel", () => {
  it("prints each text as a line", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const progress = liveOutput();
    progress.text("step 1 of 2");
    progress.text("step 2 of 2");
    expect(log.mock.calls).toEqual([["step 1 of 2"], ["step 2 of 2"]]);
  });

  it("says in one line that a figure is not drawn", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const figure = heatmap(Matrix.from([[1, 2], [3, 4]]));
    liveOutput().show(figure);
    expect(log.mock.calls).toEqual([[`liveOutput.show: not in a tslab kernel, so nothing is drawn (1 figure(s): image/svg+xml, ${figure.markup.length} characters)`]]);
  });

  it("takes one figure and a string, and says so otherwise", () => {
    const figure = heatmap(Matrix.from([[1]]));
    const live = liveOutput() as unknown as { show(...figures: unknown[]): void; text(line: unknown): void };
    expect(() => live.show(figure, figure)).toThrow("liveOutput.show: expected one figure, got 2; use one liveOutput per figure");
    expect(() => live.show({ markup: 3 })).toThrow("liveOutput.show: expected figures from heatmap, bars, ... ({ mime, markup })");
    expect(() => live.text(0.5)).toThrow("liveOutput.text: expected a string, got number");
  });
});
