#pragma once
// A small metrics registry and its Prometheus text exposition (format 0.0.4). Debian 12 ships no
// prometheus-cpp, and the router needs only counters, gauges and fixed-bucket histograms.
//
// Hot paths touch only atomics: a family's child (one label set) is found once under the
// family's mutex and then kept by reference (children are never removed, so references stay
// valid), and incrementing it is one relaxed atomic add. Label values must come from bounded
// sets (kinds, codes, peers and ledgers from the TOML) — never a plan id.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace finp2p::ops {

class Counter {
 public:
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  // For totals kept elsewhere and read at scrape time (the process's CPU seconds).
  void setTotal(double total) { value_.store(total, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);
  // Per bucket (not cumulative), the last one being +Inf; sum of the observed values.
  std::vector<uint64_t> buckets() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;  // the family's, sorted ascending
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labelNames,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labelNames_(std::move(labelNames)),
        bounds_(std::move(bounds)) {}
  // The child for these label values (in the order of the label names), created on first use.
  T& with(const std::vector<std::string>& values);
  // The child of a family without labels.
  T& only() { return with({}); }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  const std::vector<double>& bounds() const { return bounds_; }
  // Calls fn(values, child) for every child, in label order.
  template <typename Fn>
  void each(Fn&& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

 private:
  std::string name_, help_;
  std::vector<std::string> labelNames_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Buckets for latencies from 100 µs to 60 s (roughly ×2.5 apart).
std::vector<double> latencyBuckets();

class MetricsRegistry {
 public:
  // Families are written in the order they were added. Names follow Prometheus conventions:
  // counters end in _total, base units (_seconds, _bytes).
  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> labelNames = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labelNames = {});
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> labelNames, std::vector<double> bounds);
  // Runs before each exposition, to read values that live elsewhere (queue lengths, /proc).
  void onCollect(std::function<void()> collector);
  // The text exposition: what GET /metrics answers.
  std::string expose();

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  std::mutex mutex_;  // families and collectors are added at startup, exposed from the listener
  std::vector<Entry> entries_;
  std::vector<std::function<void()>> collectors_;
};

// A programming error (the wrong number of label values): named, then abort.
[[noreturn]] void labelCountMismatch(const std::string& family, std::size_t given);

// Exposition helpers, public for the unit test.
std::string escapeLabelValue(const std::string& v);
std::string formatValue(double v);

template <typename T>
T& Family<T>::with(const std::vector<std::string>& values) {
  if (values.size() != labelNames_.size()) labelCountMismatch(name_, values.size());
  std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second;
  std::unique_ptr<T> child;
  if constexpr (std::is_same_v<T, Histogram>) {
    child = std::make_unique<Histogram>(bounds_);
  } else {
    child = std::make_unique<T>();
  }
  return *children_.emplace(values, std::move(child)).first->second;
}

}  // namespace finp2p::ops
