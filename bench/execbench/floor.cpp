#include "floor.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "crypto/keys.hpp"

namespace finp2p::bench {
namespace {

// This thread's CPU time (user + system): an fsync's wait for the disk is not CPU.
double threadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown";
    sqlite3_free(err);
    throw std::runtime_error(std::string("floor measurement: ") + sql + ": " + why);
  }
}

// CPU per row of `rowsPerCommit`-row commits into a WAL file with synchronous=FULL, the
// journal's and sqlite-ledger's settings; rows of about the size of a journal event.
double commitCpuMicrosPerRow(const std::filesystem::path& file, int commits, int rowsPerCommit) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("floor measurement: cannot open " + file.string());
  }
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  exec(db, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES(?, zeroblob(600))", -1, &insert, nullptr);
  double started = threadCpuMicros();
  for (int c = 0; c < commits; ++c) {
    exec(db, "BEGIN IMMEDIATE");
    for (int r = 0; r < rowsPerCommit; ++r) {
      sqlite3_bind_int(insert, 1, c * rowsPerCommit + r);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
  }
  double spent = threadCpuMicros() - started;
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return spent / (commits * rowsPerCommit);
}

}  // namespace

double Floor::millis() const {
  return (static_cast<double>(signatures) * signMicros +
          static_cast<double>(verifications) * verifyMicros +
          static_cast<double>(durableWrites) * durableWriteCpuMicros +
          static_cast<double>(groupedAppends) * groupedAppendCpuMicros) /
         1000.0;
}

std::string Floor::describe() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "%zu Ed25519 signatures x %.1f us + %zu verifications x %.1f us + %zu durable "
                "ledger writes x %.0f us + %zu grouped journal appends x %.1f us = %.2f ms",
                signatures, signMicros, verifications, verifyMicros, durableWrites,
                durableWriteCpuMicros, groupedAppends, groupedAppendCpuMicros, millis());
  return line;
}

Floor measureFloor(std::size_t routers, const std::filesystem::path& scratch) {
  const std::size_t n = routers, peers = routers - 1;
  const std::size_t requests = peers * (1 + 4 * n);
  Floor f;
  f.signatures = 2 * requests + n + 3 + 3 * peers;
  f.verifications = 2 * requests + n * peers + 3 * peers + 3 * peers * peers;
  f.durableWrites = 3;
  f.groupedAppends = 2 * requests;

  auto key = crypto::SigningKey::generate();
  if (!key) throw std::runtime_error("floor measurement: " + key.error().message);
  auto verifying = key->verifyingKey();
  const std::string message(300, 'm');  // about a sealed request's canonical bytes
  constexpr int kRounds = 400;
  std::string signature;
  double started = threadCpuMicros();
  for (int i = 0; i < kRounds; ++i) signature = key->sign(message);
  f.signMicros = (threadCpuMicros() - started) / kRounds;
  started = threadCpuMicros();
  int verified = 0;
  for (int i = 0; i < kRounds; ++i) verified += verifying.verify(message, signature) ? 1 : 0;
  f.verifyMicros = (threadCpuMicros() - started) / kRounds;
  if (verified != kRounds)
    throw std::runtime_error("floor measurement: a signature did not verify");

  auto file = scratch / "floor.db";
  f.durableWriteCpuMicros = commitCpuMicrosPerRow(file, 100, 1);
  f.groupedAppendCpuMicros = commitCpuMicrosPerRow(file, 30, 16);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(file.string() + suffix);
  }
  return f;
}

}  // namespace finp2p::bench
