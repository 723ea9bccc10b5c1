#include "sim/progress.h"

#include <unistd.h>

namespace suanli::sim {

ProgressBar::ProgressBar(std::string label, int jobs, bool enabled)
    : label_(std::move(label)), jobs_(jobs), enabled_(enabled && isatty(2)), done_(jobs, 0.0) {}

ProgressBar::~ProgressBar() {
  if (enabled_) Draw(true);
}

void ProgressBar::Update(int job, double fraction) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  done_[job] = fraction;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  Draw(false);
}

void ProgressBar::Draw(bool final_line) {
  double sum = 0;
  for (double d : done_) sum += d;
  double frac = jobs_ > 0 ? sum / jobs_ : 1.0;
  int width = 30, filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(static_cast<size_t>(width), '.');
  std::fprintf(stderr, "\r%s [%s] %3d%%%s", label_.c_str(), bar.c_str(),
               static_cast<int>(frac * 100), final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace suanli::sim
