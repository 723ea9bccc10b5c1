#include "sim/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace suanli::sim {

namespace {

constexpr double kW = 720, kH = 440, kLeft = 70, kRight = 170, kTop = 40, kBottom = 60;
const char* kColors[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                         "#e377c2", "#7f7f7f"};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

double NiceStep(double range) {
  double raw = range / 6, mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

}  // namespace

std::string CurvePlotSvg(const std::vector<PlotSeries>& series, const std::string& title,
                         const std::string& x_label, const std::string& y_label) {
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      x1 = std::max(x1, p.arrived_pct);
      y1 = std::max(y1, p.unallocated_pct);
    }
  }
  double xs = NiceStep(x1 - x0), ys = NiceStep(y1 - y0);
  x1 = std::ceil(x1 / xs) * xs;
  y1 = std::ceil(y1 / ys) * ys;
  auto X = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * (kW - kLeft - kRight); };
  auto Y = [&](double y) { return kH - kBottom - (y - y0) / (y1 - y0) * (kH - kTop - kBottom); };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kW) +
                    "\" height=\"" + Num(kH) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Num(kW / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
         Escape(title) + "</text>\n";
  for (double x = x0; x <= x1 + 1e-9; x += xs) {
    svg += "<line x1=\"" + Num(X(x)) + "\" y1=\"" + Num(Y(y0)) + "\" x2=\"" + Num(X(x)) +
           "\" y2=\"" + Num(Y(y1)) + "\" stroke=\"#eee\"/><text x=\"" + Num(X(x)) + "\" y=\"" +
           Num(Y(y0) + 16) + "\" text-anchor=\"middle\">" + Num(x) + "</text>\n";
  }
  for (double y = y0; y <= y1 + 1e-9; y += ys) {
    svg += "<line x1=\"" + Num(X(x0)) + "\" y1=\"" + Num(Y(y)) + "\" x2=\"" + Num(X(x1)) +
           "\" y2=\"" + Num(Y(y)) + "\" stroke=\"#eee\"/><text x=\"" + Num(X(x0) - 6) +
           "\" y=\"" + Num(Y(y) + 4) + "\" text-anchor=\"end\">" + Num(y) + "</text>\n";
  }
  svg += "<text x=\"" + Num((X(x0) + X(x1)) / 2) + "\" y=\"" + Num(kH - 20) +
         "\" text-anchor=\"middle\">" + Escape(x_label) + "</text>\n";
  svg += "<text transform=\"translate(18," + Num((Y(y0) + Y(y1)) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + Escape(y_label) + "</text>\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const char* color = kColors[i % 8];
    std::string pts;
    for (const auto& p : series[i].points) {
      pts += Num(X(p.arrived_pct)) + "," + Num(Y(p.unallocated_pct)) + " ";
    }
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(color) +
           "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    double ly = kTop + 20 + 20.0 * static_cast<double>(i);
    svg += "<line x1=\"" + Num(kW - kRight + 15) + "\" y1=\"" + Num(ly) + "\" x2=\"" +
           Num(kW - kRight + 40) + "\" y2=\"" + Num(ly) + "\" stroke=\"" + color +
           "\" stroke-width=\"3\"/><text x=\"" + Num(kW - kRight + 46) + "\" y=\"" +
           Num(ly + 4) + "\">" + Escape(series[i].label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

Status WriteCurvePlot(const std::string& path, const std::vector<PlotSeries>& series,
                      const std::string& title, const std::string& x_label,
                      const std::string& y_label) {
  std::ofstream f(path);
  if (!f) return InvalidArgument("cannot write " + path, "plot");
  f << CurvePlotSvg(series, title, x_label, y_label);
  return f ? OkStatus() : DataLoss("short write to " + path);
}

}  // namespace suanli::sim
