#include "sched/pattern_prices.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

namespace suanli::sched {

namespace {

constexpr int kCap = kMilliPerDevice;
constexpr int kMaxColumns = 2000;  // column generation ends far sooner (tens of columns)
constexpr double kEps = 1e-9;

// GLPK's environment is per thread only when it was built with thread-local storage; one lock
// keeps it safe either way (a solve takes milliseconds and happens when a profile changes).
std::mutex& GlpkLock() {
  static std::mutex m;
  return m;
}

struct ProblemDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

// Unbounded knapsack of capacity 0..kCap: best[g] = most value a gap of g can hold;
// take[g] = the size index that achieves it (-1 = leave g empty).
void Knapsack(const std::vector<int>& sizes, const std::vector<double>& values,
              std::array<double, kCap + 1>* best, std::vector<int>* take) {
  (*best)[0] = 0;
  if (take) take->assign(kCap + 1, -1);
  for (int g = 1; g <= kCap; ++g) {
    double b = (*best)[g - 1];
    int t = -1;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] > g) continue;
      const double v = (*best)[g - sizes[i]] + values[i];
      if (v > b + kEps) {
        b = v;
        t = static_cast<int>(i);
      }
    }
    (*best)[g] = b;
    if (take) (*take)[g] = t;
  }
}

void AddColumn(glp_prob* lp, const std::vector<int>& counts) {
  const int col = glp_add_cols(lp, 1);
  glp_set_col_bnds(lp, col, GLP_LO, 0.0, 0.0);
  glp_set_obj_coef(lp, col, 1.0);
  std::vector<int> ind{0};
  std::vector<double> val{0.0};
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    ind.push_back(static_cast<int>(i) + 1);
    val.push_back(counts[i]);
  }
  glp_set_mat_col(lp, col, static_cast<int>(ind.size()) - 1, ind.data(), val.data());
}

}  // namespace

void PatternPrices::Reset(const WorkloadProfile& shapes) {
  active_ = false;
  lp_devices_ = 0;
  price_.fill(-1.0);
  value_.fill(0.0);
  min_cpu_.fill(std::numeric_limits<int64_t>::max());
  std::map<int, double> demand;  // share size -> weight
  double total = 0;
  for (const auto& s : shapes.shapes()) {
    if (!s.demand.is_sharing() || s.demand.gpu_milli <= 0 || s.weight <= 0) continue;
    demand[s.demand.gpu_milli] += s.weight;
    total += s.weight;
    auto& c = min_cpu_[static_cast<size_t>(s.demand.gpu_milli)];
    c = std::min(c, s.demand.cpu_milli);
  }
  for (size_t g = 1; g < min_cpu_.size(); ++g) min_cpu_[g] = std::min(min_cpu_[g], min_cpu_[g - 1]);
  if (demand.empty()) return;
  std::vector<int> sizes;
  std::vector<double> need;
  for (const auto& [size, w] : demand) {
    sizes.push_back(size);
    need.push_back(1000.0 * w / total);  // scaled to 1000 shares: duals do not depend on scale
  }
  const size_t m = sizes.size();
  std::vector<double> y(m, 0.0);
  double objective = 0;
  {
    std::lock_guard<std::mutex> lock(GlpkLock());
    glp_term_out(GLP_OFF);
    std::unique_ptr<glp_prob, ProblemDeleter> lp(glp_create_prob());
    glp_set_obj_dir(lp.get(), GLP_MIN);
    glp_add_rows(lp.get(), static_cast<int>(m));
    for (size_t i = 0; i < m; ++i) {
      glp_set_row_bnds(lp.get(), static_cast<int>(i) + 1, GLP_LO, need[i], 0.0);
      std::vector<int> one(m, 0);
      one[i] = kCap / sizes[i];
      AddColumn(lp.get(), one);
    }
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    std::array<double, kCap + 1> best{};
    std::vector<int> take;
    for (int columns = static_cast<int>(m); columns <= kMaxColumns; ++columns) {
      if (glp_simplex(lp.get(), &parm) != 0 || glp_get_status(lp.get()) != GLP_OPT) return;
      for (size_t i = 0; i < m; ++i) {
        y[i] = std::max(0.0, glp_get_row_dual(lp.get(), static_cast<int>(i) + 1));
      }
      objective = glp_get_obj_val(lp.get());
      Knapsack(sizes, y, &best, &take);
      if (best[kCap] <= 1.0 + 1e-7) break;  // no pattern prices out: the LP is optimal
      std::vector<int> counts(m, 0);
      for (int g = kCap; g > 0;) {
        if (take[static_cast<size_t>(g)] < 0) {
          --g;
          continue;
        }
        const auto i = static_cast<size_t>(take[static_cast<size_t>(g)]);
        ++counts[i];
        g -= sizes[i];
      }
      AddColumn(lp.get(), counts);
    }
  }
  for (size_t i = 0; i < m; ++i) price_[static_cast<size_t>(sizes[i])] = y[i];
  Knapsack(sizes, y, &value_, nullptr);
  lp_devices_ = objective / 1000.0;
  active_ = true;
}

double PatternPrices::StrandedValue(const int16_t* gpu_free, int gpu_count,
                                    int64_t cpu_free) const {
  if (!active_) return 0;
  double v = 0;
  for (int d = 0; d < gpu_count; ++d) {
    const int g = gpu_free[d];
    if (g > 0 && g < kCap && cpu_free < min_cpu_[static_cast<size_t>(g)]) {
      v += value_[static_cast<size_t>(g)];
    }
  }
  return v;
}

double PatternPrices::Price(int share) const {
  if (share <= 0 || share > kCap) return 0;
  const double p = price_[static_cast<size_t>(share)];
  return p >= 0 ? p : value_[static_cast<size_t>(share)];
}

int PatternPrices::Loss(int free, int share) const {
  if (!active_ || share <= 0 || share >= kCap || free < share || free > kCap) return 0;
  const double loss = std::min(1.0, value_[static_cast<size_t>(free)]) - Price(share) -
                      value_[static_cast<size_t>(free - share)];
  return std::max(0, static_cast<int>(std::lround(1000.0 * loss)));
}

}  // namespace suanli::sched
