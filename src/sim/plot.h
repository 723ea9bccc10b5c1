// A hand-written SVG line chart: one series per policy, so a person can look rather than read.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "sim/published_replay.h"

namespace suanli::sim {

struct PlotSeries {
  std::string label;
  std::vector<CurvePoint> points;  // x = arrived %, y = unallocated %
};

// The SVG text of the chart; `x_label`/`y_label` name the axes.
std::string CurvePlotSvg(const std::vector<PlotSeries>& series, const std::string& title,
                         const std::string& x_label = "arrived workload (% of GPU capacity)",
                         const std::string& y_label = "unallocated GPU (%)");
Status WriteCurvePlot(const std::string& path, const std::vector<PlotSeries>& series,
                      const std::string& title, const std::string& x_label =
                          "arrived workload (% of GPU capacity)",
                      const std::string& y_label = "unallocated GPU (%)");

}  // namespace suanli::sim
