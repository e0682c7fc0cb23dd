#include "ops/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace finp2p::ops {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) {
  // `le` is inclusive: a value equal to a bound belongs to that bucket.
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::buckets() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> latencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

void labelCountMismatch(const std::string& family, std::size_t given) {
  std::fprintf(stderr, "metrics: family %s given %zu label values, not as many as its names\n",
               family.c_str(), given);
  std::abort();
}

CounterFamily& MetricsRegistry::counter(std::string name, std::string help,
                                        std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  Entry e{MetricType::kCounter, {}, {}, {}};
  e.counter =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labelNames));
  return *entries_.emplace_back(std::move(e)).counter;
}

GaugeFamily& MetricsRegistry::gauge(std::string name, std::string help,
                                    std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  Entry e{MetricType::kGauge, {}, {}, {}};
  e.gauge = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labelNames));
  return *entries_.emplace_back(std::move(e)).gauge;
}

HistogramFamily& MetricsRegistry::histogram(std::string name, std::string help,
                                            std::vector<std::string> labelNames,
                                            std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  std::lock_guard lock(mutex_);
  Entry e{MetricType::kHistogram, {}, {}, {}};
  e.histogram = std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                  std::move(labelNames), std::move(bounds));
  return *entries_.emplace_back(std::move(e)).histogram;
}

void MetricsRegistry::onCollect(std::function<void()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string escapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string escapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with an optional extra label (a histogram's `le`); empty without labels.
std::string labelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const char* extraName = nullptr, const std::string& extraValue = "") {
  if (names.empty() && !extraName) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i] + "=\"" + escapeLabelValue(values[i]) + "\"";
  }
  if (extraName) {
    if (!names.empty()) out += ',';
    out += std::string(extraName) + "=\"" + extraValue + "\"";
  }
  return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + escapeHelp(help) + "\n# TYPE " + name + " " + type + "\n";
}

template <typename T>
void writeScalars(std::string& out, const Family<T>& family, const char* type) {
  header(out, family.name(), family.help(), type);
  family.each([&](const std::vector<std::string>& values, const T& child) {
    out += family.name() + labelSet(family.labelNames(), values) + " " +
           formatValue(child.value()) + "\n";
  });
}

void writeHistogram(std::string& out, const HistogramFamily& family) {
  header(out, family.name(), family.help(), "histogram");
  const auto& names = family.labelNames();
  family.each([&](const std::vector<std::string>& values, const Histogram& h) {
    auto counts = h.buckets();
    // _count is the +Inf bucket by definition; both come from the same read of the counts.
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      std::string le = i < family.bounds().size() ? formatValue(family.bounds()[i]) : "+Inf";
      out += family.name() + "_bucket" + labelSet(names, values, "le", le) + " " +
             std::to_string(cumulative) + "\n";
    }
    out += family.name() + "_sum" + labelSet(names, values) + " " + formatValue(h.sum()) + "\n";
    out += family.name() + "_count" + labelSet(names, values) + " " + std::to_string(cumulative) +
           "\n";
  });
}

}  // namespace

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  // Plain decimals where they are short ("0.0001", not "1e-04"), as bucket bounds read best.
  double magnitude = std::fabs(v);
  auto format = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15)
                    ? std::chars_format::fixed
                    : std::chars_format::general;
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v, format);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string MetricsRegistry::expose() {
  std::lock_guard lock(mutex_);
  for (auto& collect : collectors_) collect();
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& e : entries_) {
    switch (e.type) {
      case MetricType::kCounter:
        writeScalars(out, *e.counter, "counter");
        break;
      case MetricType::kGauge:
        writeScalars(out, *e.gauge, "gauge");
        break;
      case MetricType::kHistogram:
        writeHistogram(out, *e.histogram);
        break;
    }
  }
  return out;
}

}  // namespace finp2p::ops
