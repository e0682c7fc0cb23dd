#pragma once
// A minimal RAII layer over the SQLite C API for the ledger: a connection and prepared
// statements that bind text and integers. Errors surface as std::runtime_error, which the
// ledger turns into UNAVAILABLE outcomes (a full disk or an I/O error is not a bad request).

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace finp2p::sqlite_ledger {

class Database;

// A prepared statement from the connection's cache, reset when this handle goes away.
class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text);
  Statement& bind(int index, int64_t value);
  bool step();  // true while a row is available
  void run() { step(); }
  std::string text(int column) const;
  int64_t integer(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  explicit Database(const std::string& path, bool fullSync);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql);
  sqlite3* handle() const { return db_; }
  // Prepared once per connection (callers hold the ledger's lock), keyed by the SQL literal.
  sqlite3_stmt* prepared(const char* sql);

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() is reached.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace finp2p::sqlite_ledger
