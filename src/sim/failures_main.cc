// `suanli simulate failures`: effective compute of a training-heavy fleet under the Llama 3
// failure rates, today's practice against ours (effective_compute.h). Parsing and output only.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sim/effective_compute.h"
#include "sim/main_commands.h"

namespace suanli::sim {

namespace {

nlohmann::json ReportJson(const EffectiveComputeReport& r) {
  nlohmann::json interruptions, faults, classes = nlohmann::json::array();
  for (int k = 0; k < kFaultKinds; ++k) {
    std::string name(FaultKindName(static_cast<FaultKind>(k)));
    interruptions[name] = r.interruptions[k];
    faults[name] = r.faults[k];
  }
  for (const auto& c : r.classes) {
    classes.push_back({{"name", c.name},
                       {"gpus", c.gpus},
                       {"allocated_gpu_h", c.allocated_gpu_h},
                       {"useful_gpu_h", c.useful_gpu_h},
                       {"useful_of_allocated_pct",
                        c.allocated_gpu_h > 0 ? 100 * c.useful_gpu_h / c.allocated_gpu_h : 0.0},
                       {"interruptions", c.interruptions},
                       {"checkpoint_interval_s", c.checkpoint_interval_s}});
  }
  return {{"effective_compute_pct", r.effective_nominal_pct},
          {"effective_compute_allocated_pct", r.effective_allocated_pct},
          {"allocated_pct", r.allocated_pct},
          {"nominal_gpu_h", r.nominal_gpu_h},
          {"allocated_gpu_h", r.allocated_gpu_h},
          {"useful_gpu_h", r.useful_gpu_h},
          {"lost_gpu_h",
           {{"rework", r.rework_gpu_h},
            {"detection", r.detection_gpu_h},
            {"restart", r.restart_gpu_h},
            {"checkpoint", r.checkpoint_gpu_h}}},
          {"interruptions", r.interruptions_total},
          {"interruptions_by_kind", interruptions},
          {"repeat_interruptions", r.repeat_interruptions},
          {"hardware_faults_by_kind", faults},
          {"mttr_s", r.mttr_s},
          {"recovered", r.recovered},
          {"jobs_completed", r.jobs_completed},
          {"hardware_taken_out", r.cordons},
          {"drains", r.drains},
          {"classes", classes}};
}

void PrintTable(const std::vector<EffectiveComputeReport>& reports, const FleetOptions& f) {
  std::printf("fleet %d GPUs, %.0f days, seed %llu; Llama 3 rates: %.3g interruptions per "
              "GPU-hour (job MTBF %.1f h at 16,384 GPUs)\n\n",
              f.gpus, f.days, static_cast<unsigned long long>(f.seed),
              f.faults.rates.PerGpuHour(f.gpus_per_node),
              1.0 / (f.faults.rates.PerGpuHour(f.gpus_per_node) * 16384));
  std::printf("%-22s %10s %10s %10s %8s %8s %6s %6s %8s   lost GPU-h: %8s %8s %8s %8s\n",
              "config", "nominal", "allocated", "useful", "useful/", "useful/", "intr", "repeat",
              "MTTR", "rework", "detect", "restart", "ckpt");
  std::printf("%-22s %10s %10s %10s %8s %8s %6s %6s %8s   %11s\n", "", "GPU-h", "GPU-h", "GPU-h",
              "nominal", "alloc", "", "", "min", "");
  for (const auto& r : reports) {
    std::printf("%-22s %10.0f %10.0f %10.0f %7.2f%% %7.2f%% %6lld %6lld %8.1f   %11.0f %8.0f "
                "%8.0f %8.0f\n",
                r.config.c_str(), r.nominal_gpu_h, r.allocated_gpu_h, r.useful_gpu_h,
                r.effective_nominal_pct, r.effective_allocated_pct,
                static_cast<long long>(r.interruptions_total),
                static_cast<long long>(r.repeat_interruptions), r.mttr_s / 60, r.rework_gpu_h,
                r.detection_gpu_h, r.restart_gpu_h, r.checkpoint_gpu_h);
  }
}

}  // namespace

int FailuresMain(int argc, char** argv) {
  FleetOptions f;
  bool json = false, ablations = false;
  double rate_scale = 1;
  CLI::App app{"Effective compute under failures (Llama 3 rates): baseline against ours",
               "simulate failures"};
  app.add_option("--gpus", f.gpus, "fleet size in GPUs (whole nodes of 8)")
      ->check(CLI::Range(8, 1 << 22));
  app.add_option("--days", f.days, "simulated days")->check(CLI::Range(0.01, 3650.0));
  app.add_option("--seed", f.seed, "random seed");
  app.add_option("--rate-scale", rate_scale, "multiply every failure rate (0 = no failures)")
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--lemon-fraction", f.faults.lemon_fraction, "share of repeated-fault nodes")
      ->check(CLI::Range(0.0, 0.5));
  app.add_flag("--ablations", ablations, "also run ours without each mechanism in turn");
  app.add_flag("--json", json, "print one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "simulate failures: %s\n", e.what());
    return 2;
  }
  f.faults.rates = f.faults.rates.Scaled(rate_scale);
  std::vector<EffectiveComputeReport> reports;
  for (const auto& m : FailureConfigs(ablations)) {
    auto r = RunEffectiveCompute(f, m);
    if (!r) {
      std::fprintf(stderr, "simulate failures: %s\n", r.error().ToString().c_str());
      return 2;
    }
    reports.push_back(std::move(*r));
  }
  if (json) {
    nlohmann::json configs;
    for (const auto& r : reports) configs[r.config] = ReportJson(r);
    nlohmann::json out = {
        {"gpus", f.gpus},
        {"days", f.days},
        {"seed", f.seed},
        {"failure_rate_per_gpu_h", f.faults.rates.PerGpuHour(f.gpus_per_node)},
        {"effective_compute_definition", "useful / nominal device-time (percent)"},
        {"configs", configs}};
    std::cout << out.dump() << "\n";
  } else {
    PrintTable(reports, f);
  }
  return 0;
}

}  // namespace suanli::sim
