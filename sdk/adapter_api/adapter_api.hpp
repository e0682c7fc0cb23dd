#pragma once
// The FinP2P ledger adapter API (../shared/spec/finp2p-adapter-api/dlt-adapter-api.yaml) as both
// of our sides speak it: the adapter-api bridge plugin (a client) and finp2p-adapter-gateway (a
// server). What the two must agree on lives here once: the endpoint of each operation kind, the
// error codes, how a ledger account and an asset are written, and the receipt's operation type.
// Build-tree only, like toml_config.hpp: the SDK package does not ship it.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "finp2p/ledger/types.hpp"

namespace finp2p::adapter_api {

using Json = nlohmann::json;
using ledger::OperationKind;
using ledger::Status;

// "/assets/hold", ...; nullptr for await (the API has none).
const char* endpointFor(OperationKind kind);
// The reverse; nullopt for any other path.
std::optional<OperationKind> kindForEndpoint(const std::string& endpoint);

// The `code` of an operation's error (receiptOperationErrorInformation) for our status, as the
// wire's instruction codes: validation, unsupported, not found 1; intent 2; settlement 3;
// signature 4; timeout 8; anything else 9.
uint32_t errorCodeFor(Status status);
// The reverse, for an adapter's code. Unknown codes are validation errors (final; the adapter's
// message says what it was): the public sample adapter reports insufficient balance as 1.
Status statusForErrorCode(int64_t code);

// Accounts. The API names an owner by finId (33-byte compressed secp256k1 key, hex). An account
// of ours that is one is sent as it is; any other (an IBAN, a wallet, a test name) is sent as
// the finId sha256(account) with ledgerAccount {type: "walletAccount", address: account}, and read
// back from the address.
bool isFinId(const std::string& account);
std::string sha256Hex(const std::string& bytes);
std::string finIdFor(const std::string& account);
Json accountJson(const std::string& account, const Json& asset);
// The account an `account` object names: its walletAccount address, else its finId.
std::string accountFrom(const Json& account);

// An asset as the API writes it: the FinP2P resource id and the ledger's CAIP-19 identifier.
struct AssetRef {
  std::string resourceId;  // "<org>:102:<id>"
  std::string network;
  std::string tokenId;
  std::string standard;
};
Json assetJson(const AssetRef& asset);
// Our asset id for an asset object: the ledger identifier's tokenId, else the resource id.
std::string assetFrom(const Json& asset);

// Whether an outcome is final: PENDING, UNAVAILABLE and TIMEOUT may still change (each side
// asks again: the bridge by polling the cid, the gateway by its plugin's lookup).
bool isFinal(Status status);

// The receipt's operationType (the API has no rollback: a rollback's receipt says release).
const char* operationTypeFor(OperationKind kind);

// The API's operation envelope, {cid, isCompleted, error | response}.
Json pendingOperation(const std::string& cid, int64_t pollMillis);
Json failedOperation(const std::string& cid, Status status, const std::string& message);

// ISO-8601 duration ("PT0.2S", "PT5M", "P1DT30M") in milliseconds; nullopt if unreadable.
std::optional<int64_t> durationMillis(const std::string& iso8601);
std::string isoDuration(int64_t millis);

}  // namespace finp2p::adapter_api
