/*
 * finp2p-exec ledger plugin ABI.
 *
 * Pure C, standard library only: this header is the whole contract between finp2p-execd (the
 * host) and a ledger plugin (a shared library). No C++ type, exception or allocator crosses it.
 *
 * Naming: finp2p_ledger_on_* are hooks the plugin implements; finp2p_ledger_callback_* are
 * functions the host provides. Ownership: every pointer passed across is BORROWED for the
 * duration of the call it is passed to (or, for results, of the callback) unless its comment
 * says otherwise; the side that allocated memory frees it. Copy what you keep.
 *
 * Versioning: FINP2P_LEDGER_ABI_VERSION packs major << 16 | minor. The host refuses a plugin
 * whose major differs from its own or whose minor is newer, and speaks to each plugin in the
 * minor version the plugin was built for. Every struct that crosses the boundary by pointer
 * carries its own size (`struct_size`, the writer's sizeof) so either side can grow it by
 * appending fields in a new minor version; a reader only touches fields that fit inside the
 * size it was given (FINP2P_LEDGER_HAS_FIELD) and treats the others as empty. Since the host is
 * never older than its plugin, a plugin reads every field of its own version unchecked; the
 * host checks what a plugin of an older minor wrote, and refuses a 1.1+ struct whose
 * struct_size does not cover the 1.1 fields (it was left 0), and a receipt whose struct_size does
 * not cover the fields of the plugin's own minor (a 1.2 plugin's receipt sized as 1.1's).
 *
 * 1.2 (from 1.1): hash time-locked holds. Operation kinds HASH_LOCK, CLAIM and REFUND; the
 * operation carries the lock (hash_lock, hash_function, expiry_unix_s) and a claim's preimage,
 * the receipt the same four. New kinds, not flags on HOLD / RELEASE / REVERT_HOLD, so that a
 * plugin built for 1.1 refuses them (UNSUPPORTED) instead of making a plain hold of a lock.
 *
 * 1.1 (from 1.0): context, receipt, balance and description carry struct_size as their first
 * field, and an operation points to its context instead of embedding it (an embedded struct
 * could not grow without moving the fields after it). A 1.0 plugin keeps loading: the host
 * hands it, and reads from it, the 1.0 layouts.
 *
 * 1.2 (from 1.1): an operation carries the investor signature that covers it
 * (investor_signature, investor_fin_id), appended to finp2p_ledger_operation. A 1.1 plugin
 * reads the operation as before (its struct_size is larger than the plugin knows).
 *
 * Instances and reload: the host never runs two instances of one ledger at once. A reload
 * (`finp2p-execctl ledger reload NAME`) drains the ledger first: the host stops starting
 * operations on the old instance (new ones wait, bounded by the ledger's
 * `reload_drain_timeout_secs`), waits until the plugin completed every operation it was given,
 * calls on_destroy, and only after on_destroy returned calls the entry point for the new
 * instance, which then receives the operations that waited. An operation the host gave up on
 * at its deadline still counts as given: the instance is not destroyed until the plugin
 * completes it, so on_destroy never runs while an operation is inside the plugin. If the drain
 * does not finish in time the reload fails and the old instance keeps serving. A plugin thus
 * never shares its state with a second live instance, but a new instance must open the state
 * its destroyed predecessor left (the same database, possibly loaded from the same library:
 * libraries are never unloaded, so static variables survive a reload). They do not survive a
 * crash (a new process): keep no outcome only in memory. The conformance runner creates each
 * restarted instance from the library loaded afresh, so a plugin that does fails there.
 */
#ifndef FINP2P_LEDGER_ABI_H
#define FINP2P_LEDGER_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FINP2P_LEDGER_ABI_MAJOR 1u
#define FINP2P_LEDGER_ABI_MINOR 2u
#define FINP2P_LEDGER_ABI_VERSION ((FINP2P_LEDGER_ABI_MAJOR << 16) | FINP2P_LEDGER_ABI_MINOR)
#define FINP2P_LEDGER_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define FINP2P_LEDGER_ABI_MINOR_OF(v) ((uint32_t)(v)&0xffffu)

/* Whether `field` of the struct `*ptr` (of type `type`) lies inside the ptr->struct_size bytes its
 * writer set: a reader built for a newer minor version checks this before it reads a field
 * that an older writer may not have. */
#define FINP2P_LEDGER_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((const type*)0)->field))

/* The symbols a plugin exports: the entry point and, recommended (the C++ SDK's
 * FINP2P_LEDGER_PLUGIN exports it), its ABI version. The host reads the version before it calls
 * the entry point, so a plugin built for another ABI is refused before any of its code with side
 * effects runs (the dynamic loader still runs the library's static constructors: keep them free
 * of side effects). A plugin without the version export is checked after init, by the
 * abi_version init writes. */
#define FINP2P_LEDGER_ENTRY_POINT "finp2p_ledger_plugin_init"
#define FINP2P_LEDGER_ABI_VERSION_POINT "finp2p_ledger_plugin_abi_version"
/* Exported as FINP2P_LEDGER_ABI_VERSION_POINT: returns FINP2P_LEDGER_ABI_VERSION, nothing else. */
typedef uint32_t (*finp2p_ledger_plugin_abi_version_fn)(void);

/* A borrowed UTF-8 string: not NUL-terminated unless said otherwise; {NULL, 0} is empty. */
typedef struct finp2p_ledger_str {
  const char* data;
  size_t size;
} finp2p_ledger_str;

/* Result codes. 1-4 are the FinP2P instruction error codes (finp2p-reference.md). 5-10 are
 * this ABI's own and are NOT the wire's codes of the same number. The one mapping from these
 * to the code an instruction's outcome carries on the wire (implemented by the host's
 * toExecuted, host/node/ledger_ops.cpp):
 *   OK -> 0;  VALIDATION, UNSUPPORTED, NOT_FOUND -> 1;  INTENT_VALIDATION -> 2;
 *   SETTLEMENT -> 3;  SIGNATURE -> 4;  TIMEOUT -> 8 (the wire's timeout);
 *   INTERNAL -> 9 (the wire's "other");
 *   UNAVAILABLE and PENDING are not final: the host retries (after `lookup`) until the
 *   instruction's deadline, then reports TIMEOUT (8). */
typedef enum finp2p_ledger_status {
  FINP2P_LEDGER_OK = 0,
  FINP2P_LEDGER_ERROR_VALIDATION = 1,        /* bad input: amount, account, unknown hold */
  FINP2P_LEDGER_ERROR_INTENT_VALIDATION = 2, /* the operation contradicts the intent */
  FINP2P_LEDGER_ERROR_SETTLEMENT = 3,        /* e.g. insufficient balance */
  FINP2P_LEDGER_ERROR_SIGNATURE = 4,         /* a signature does not verify */
  FINP2P_LEDGER_ERROR_NOT_FOUND = 5,         /* lookup: no operation with this key */
  FINP2P_LEDGER_PENDING = 6,                 /* lookup: accepted, outcome not yet known */
  FINP2P_LEDGER_ERROR_UNSUPPORTED = 7,       /* the plugin does not implement this */
  FINP2P_LEDGER_ERROR_UNAVAILABLE = 8,       /* ledger unreachable; retrying may succeed */
  FINP2P_LEDGER_ERROR_TIMEOUT = 9,           /* the context's deadline passed */
  FINP2P_LEDGER_ERROR_INTERNAL = 10          /* a bug or an exception inside the plugin */
} finp2p_ledger_status;

typedef enum finp2p_ledger_operation_kind {
  FINP2P_LEDGER_OP_HOLD = 1,
  FINP2P_LEDGER_OP_RELEASE = 2,
  FINP2P_LEDGER_OP_REVERT_HOLD = 3,
  FINP2P_LEDGER_OP_TRANSFER = 4,
  FINP2P_LEDGER_OP_ISSUE = 5,
  FINP2P_LEDGER_OP_REDEEM = 6,
  FINP2P_LEDGER_OP_AWAIT = 7,
  /* 1.2: hash time-locked holds (HTLC) */
  FINP2P_LEDGER_OP_HASH_LOCK = 8, /* hold for destination until expiry, claimable by preimage */
  FINP2P_LEDGER_OP_CLAIM = 9,     /* pay a hash lock to its destination; needs the preimage */
  FINP2P_LEDGER_OP_REFUND = 10    /* give a hash lock back to its owner; only from its expiry */
} finp2p_ledger_operation_kind;

/* Bit (1u << kind) for each kind in finp2p_ledger_description.supported_operations. */
#define FINP2P_LEDGER_SUPPORTS(kind) (1u << (uint32_t)(kind))

/* Which plan instruction an operation belongs to. idempotency_key is "<planId>_<sequence>":
 * the same key twice must return the stored outcome and move nothing twice, also after the
 * plugin or the host restarts. */
typedef struct finp2p_ledger_context {
  uint32_t struct_size; /* 1.1 */
  finp2p_ledger_str plan_id;
  uint32_t sequence;
  finp2p_ledger_str idempotency_key;
  int64_t deadline_unix_ms; /* 0: none */
} finp2p_ledger_context;

/* One ledger operation. Accounts are the ledger-side account ids (a finId, an address, an
 * IBAN); amounts exact decimal strings. Unused fields are empty. */
typedef struct finp2p_ledger_operation {
  uint32_t struct_size;
  finp2p_ledger_operation_kind kind;
  const finp2p_ledger_context* context; /* 1.1; never NULL */
  finp2p_ledger_str source;             /* hold, transfer, redeem, release (the holder) */
  finp2p_ledger_str destination;        /* hold (the payee), release, transfer, issue, revert */
  finp2p_ledger_str asset;              /* asset id as this ledger knows it */
  uint32_t asset_decimals;              /* precision of the asset */
  finp2p_ledger_str amount;             /* exact decimal */
  finp2p_ledger_str hold_operation_id;  /* release, revert_hold: the hold's idempotency key */
  int64_t wait_until_unix_s;            /* await */
  finp2p_ledger_str condition;          /* await: a ledger condition the plugin understands */
  /* 1.2 */
  finp2p_ledger_str hash_lock;     /* hash_lock: lowercase hex of the 32-byte hash */
  finp2p_ledger_str hash_function; /* hash_lock: "sha256" | "keccak256" */
  int64_t expiry_unix_s;           /* hash_lock: claimable before, refundable from then on */
  finp2p_ledger_str preimage;      /* claim: lowercase hex of the secret */
  /* Also 1.2: the investor signature that covers this operation, as the JSON of the FinP2P adapter
   * API's `signature` object ({"signature", "template": hashList or EIP712, "hashFunc"}), and
   * the finId of the investor who signed it. The host verified it and checked that it covers
   * this operation (asset, amount, counterparty) before the plan was approved; a ledger that
   * checks it itself (an EVM escrow verifying EIP-712 on chain) gets what the investor signed.
   * Empty when no signature covers the operation (a revert_hold giving a hold back, an await,
   * a plan accepted without investor signatures). Check FINP2P_LEDGER_HAS_FIELD before reading
   * it in code that must also run on a 1.1 host. */
  finp2p_ledger_str investor_signature;
  finp2p_ledger_str investor_fin_id;
} finp2p_ledger_operation;

/* The receipt of one executed operation. The host refuses (INTERNAL) a receipt that is not the
 * operation's: operation_id must be the idempotency key, operation_type the operation's kind
 * (a revert_hold's may say release), and source, destination, asset, quantity (exact decimal)
 * and the hash-lock fields those of the operation wherever "Fields per operation kind" below
 * sets them (the SDK's finp2p/ledger/receipt_check.hpp is the check). on_lookup returns the
 * receipt its key's execution returned; a hash lock's (1.2), once the lock has been claimed under
 * any key, also carries in `preimage` the preimage it was claimed with (the secret is public on
 * the ledger then, and the lock's counterparty reads it there). */
typedef struct finp2p_ledger_receipt {
  uint32_t struct_size; /* 1.1 */
  finp2p_ledger_str transaction_id;
  finp2p_ledger_str operation_id; /* the idempotency key */
  finp2p_ledger_str
      operation_type; /* hold | release | revert_hold | transfer | issue | redeem | await */
  finp2p_ledger_str source;
  finp2p_ledger_str destination;
  finp2p_ledger_str asset;
  finp2p_ledger_str quantity;
  int64_t timestamp_unix_s;
  finp2p_ledger_str proof; /* optional, e.g. a signature by the ledger side */
  /* 1.2: a hash lock's receipt states its lock, a claim's also the preimage it took */
  finp2p_ledger_str hash_lock;
  finp2p_ledger_str hash_function;
  int64_t expiry_unix_s;
  finp2p_ledger_str preimage;
} finp2p_ledger_receipt;

/* The outcome of execute, preflight, lookup or verify. All pointers are owned by the plugin
 * and valid only during the callback that receives this struct. */
typedef struct finp2p_ledger_result {
  uint32_t struct_size;
  finp2p_ledger_status status;
  finp2p_ledger_str message;            /* why, when status != OK */
  const finp2p_ledger_receipt* receipt; /* execute / lookup with status OK; else NULL */
} finp2p_ledger_result;

typedef struct finp2p_ledger_balance {
  uint32_t struct_size; /* 1.1 */
  finp2p_ledger_status status;
  finp2p_ledger_str message;
  finp2p_ledger_str current; /* available + held */
  finp2p_ledger_str available;
  finp2p_ledger_str held;
} finp2p_ledger_balance;

typedef struct finp2p_ledger_description {
  uint32_t struct_size;          /* 1.1 */
  const char* name;              /* NUL-terminated, owned by the plugin, valid until on_destroy */
  const char* version;           /* NUL-terminated */
  uint32_t supported_operations; /* FINP2P_LEDGER_SUPPORTS bits */
  const char* asset_types;       /* NUL-terminated, comma separated, e.g. "fiat,finp2p" */
} finp2p_ledger_description;

/* One configuration entry from the router's [ledger.config] table, flattened: nested tables
 * and arrays become dotted keys ("opening_balances.0.amount"), every value a string. The host
 * adds one reserved entry, "finp2p.config_dir": the absolute directory of the router's TOML.
 * A relative path in the configuration (a database file) means relative to it, not to the
 * working directory (which under systemd is another one); the C++ SDK's Config::getPath does
 * this. */
typedef struct finp2p_ledger_config_entry {
  finp2p_ledger_str key;
  finp2p_ledger_str value;
} finp2p_ledger_config_entry;

typedef enum finp2p_ledger_log_level {
  FINP2P_LEDGER_LOG_DEBUG = 0,
  FINP2P_LEDGER_LOG_INFO = 1,
  FINP2P_LEDGER_LOG_WARN = 2,
  FINP2P_LEDGER_LOG_ERROR = 3
} finp2p_ledger_log_level;

/* Provided by the host; valid from init until the plugin's on_destroy returns. */
typedef struct finp2p_ledger_host_api {
  uint32_t struct_size;
  uint32_t abi_version; /* the host's FINP2P_LEDGER_ABI_VERSION */
  void* host_ptr;       /* opaque, passed back to callback_log */
  /* Completes an operation started by on_execute / on_preflight / on_lookup / on_verify.
   * Call exactly once per operation, from any thread, before or after the hook returns. A
   * second call is ignored and logged as an error (the conformance runner fails on it). */
  void (*callback_complete)(void* completion_ptr, const finp2p_ledger_result* result);
  /* Completes on_balance; same rules. */
  void (*callback_balance)(void* completion_ptr, const finp2p_ledger_balance* balance);
  void (*callback_log)(void* host_ptr, finp2p_ledger_log_level level, finp2p_ledger_str message);
} finp2p_ledger_host_api;

/* Filled by the plugin in the entry point.
 *
 * Threads and blocking. The host calls each ledger's hooks on that ledger's own threads
 * ([[ledger]] `threads`, default 4), so up to that many hooks run at once, in any combination,
 * including two operations with the same idempotency key (a retry racing the first attempt):
 * the second must wait for or return the first's outcome, never move anything twice. A hook
 * may block (it holds one of its ledger's threads meanwhile; other ledgers are unaffected),
 * but a plugin that waits on I/O should start the work, return, and complete later from its
 * own thread. callback_complete, callback_balance and callback_log may be called from any
 * thread, concurrently, also from inside a hook; they do not call back into the plugin (no
 * re-entrancy), and callback_log is thread-safe.
 *
 * Deadlines. The host gives up on an operation at context.deadline_unix_ms (execute) or after
 * the ledger's call_timeout_secs (preflight, lookup, verify, balance) and reports TIMEOUT to
 * its caller. The operation still belongs to the plugin: complete it anyway (the outcome is
 * then only logged); the instance is not destroyed until it has been. After a TIMEOUT on
 * execute the host asks on_lookup before it executes the same key again, so an operation that
 * completed late is found, not repeated.
 *
 * Preflight (approval time) sees each instruction of a plan before any of them ran: a release
 * or revert_hold whose hold does not exist yet is normal there (the hold is an earlier
 * instruction of the same plan) and must not be refused for that; refuse only what cannot
 * succeed whatever happens first (an unknown account, an unsupported asset).
 *
 * Fields per operation kind (others are empty; context is always set):
 *   hold: source, destination (the payee, may be empty), asset, asset_decimals, amount
 *   release: source (the holder), destination, asset, asset_decimals, amount, hold_operation_id
 *   revert_hold: source, destination (as the plan states them), asset, asset_decimals,
 *                hold_operation_id; amount may be empty (the hold's whole amount)
 *   transfer: source, destination, asset, asset_decimals, amount
 *   issue: destination, asset, asset_decimals, amount
 *   redeem: source, asset, asset_decimals, amount
 *   await: wait_until_unix_s, condition
 *   hash_lock: as hold, and hash_lock, hash_function, expiry_unix_s
 *   claim: as release (amount may be empty: the whole lock), and preimage; refused with the
 *          wrong preimage and from the expiry on; the receipt carries the preimage
 *   refund: as revert_hold; refused before the expiry
 * Hash locks are idempotent like every operation; a claim and a refund of one lock exclude each
 * other (the first to run wins, the other is refused).
 * asset and asset_decimals are set for every kind whose instruction names an asset. */
typedef struct finp2p_ledger_plugin_api {
  uint32_t struct_size; /* set by the host to its sizeof before init; plugin may lower it */
  uint32_t abi_version; /* the plugin's FINP2P_LEDGER_ABI_VERSION */
  void* plugin_ptr;     /* the plugin instance, owned by the plugin, freed by on_destroy */
  const finp2p_ledger_description* (*on_describe)(void* plugin_ptr);
  void (*on_execute)(void* plugin_ptr, const finp2p_ledger_operation* op, void* completion_ptr);
  /* May be NULL: the host then treats every operation as executable. */
  void (*on_preflight)(void* plugin_ptr, const finp2p_ledger_operation* op, void* completion_ptr);
  void (*on_lookup)(void* plugin_ptr, finp2p_ledger_str idempotency_key, void* completion_ptr);
  /* OK when the receipt matches a transaction on this ledger. */
  void (*on_verify)(void* plugin_ptr, const finp2p_ledger_receipt* receipt, void* completion_ptr);
  void (*on_balance)(void* plugin_ptr, finp2p_ledger_str account, finp2p_ledger_str asset,
                     void* completion_ptr);
  /* Called once, after every started operation completed; no hook is called afterwards. */
  void (*on_destroy)(void* plugin_ptr);
} finp2p_ledger_plugin_api;

/* The entry point, exported as FINP2P_LEDGER_ENTRY_POINT. Returns 0 and fills `plugin` on
 * success; otherwise non-zero with a NUL-terminated reason written into `error` (host-owned,
 * `error_size` bytes). The plugin must set plugin->abi_version even when it fails. */
typedef int32_t (*finp2p_ledger_plugin_init_fn)(const finp2p_ledger_host_api* host,
                                                const finp2p_ledger_config_entry* config,
                                                size_t config_count,
                                                finp2p_ledger_plugin_api* plugin, char* error,
                                                size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* FINP2P_LEDGER_ABI_H */
