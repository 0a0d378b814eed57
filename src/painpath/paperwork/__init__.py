"""Work and disability paperwork: forms filled from the chart and their queue, work restrictions, workers' compensation."""
