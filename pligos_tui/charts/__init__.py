"""From a resolved context to chart files: the values contract, the chart, its writing."""
