// The plots a notebook draws with one line: show(heatmap(scores, { labels: diagram.tokens })).
export type { Figure } from "./figure.js";
export { show, liveOutput, type LiveOutput } from "./show.js";
export { heatmap, heatmapSchemes, type HeatmapOptions } from "./heatmap.js";
export { bars, compareBars, type BarsOptions, type CompareBarsOptions } from "./bars.js";
export { contributions, type ContributionsOptions } from "./contributions.js";
export { heatmaps, compareHeatmaps, differenceHeatmap, type CompareOptions } from "./compare.js";
export { lineChart, type LineChartOptions, type LineSeries } from "./lineChart.js";
export { pipelineDiagram, pipelineSteps } from "./pipeline.js";
export { headGrid, type HeadGridOptions } from "./headGrid.js";
export { scatter, type ScatterOptions, type ScatterPoint } from "./scatter.js";
export { textPanels, type TextPanel, type TextPanelsOptions } from "./textPanels.js";
