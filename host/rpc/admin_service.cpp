#include "rpc/admin_service.hpp"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "rpc/admin_views.hpp"

namespace finp2p::rpc {

using namespace finp2p::admin;

namespace {

grpc::Status toGrpc(const Error& e) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case ErrorCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case ErrorCode::kPermissionDenied:
      code = grpc::StatusCode::PERMISSION_DENIED;
      break;
    case ErrorCode::kUnauthenticated:
      code = grpc::StatusCode::UNAUTHENTICATED;
      break;
    case ErrorCode::kAlreadyExists:
      code = grpc::StatusCode::ALREADY_EXISTS;
      break;
    case ErrorCode::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case ErrorCode::kUnavailable:
      // A refusal to retry later (a reload's drain timed out, recovery still running). Never
      // UNAVAILABLE: to finp2p-execctl that means the router was not reached (exit 3).
      code = grpc::StatusCode::ABORTED;
      break;
    default:
      break;
  }
  return grpc::Status(code, e.message);
}

}  // namespace

AdminService::AdminService(node::RouterNode& node, ledgers::LedgerRegistry& ledgers)
    : node_(node), ledgers_(ledgers) {
  node_.setTerminalListener([this](const journal::PlanSummary& s) {
    TerminalEvent e;
    e.mutable_planid()->set_id(s.planId);
    e.set_status(s.status);
    e.set_atmillis(s.updatedAtMillis);
    std::lock_guard lock(subscribersMutex_);
    for (auto& sub : subscribers_) {
      {
        std::lock_guard subLock(sub->mutex);
        sub->events.push_back(e);
      }
      sub->cv.notify_one();
    }
  });
}

grpc::Status AdminService::SubscribeTerminal(grpc::ServerContext* context,
                                             const SubscribeTerminalRequest*,
                                             grpc::ServerWriter<TerminalEvent>* writer) {
  auto sub = std::make_shared<Subscriber>();
  {
    std::lock_guard lock(subscribersMutex_);
    subscribers_.push_back(sub);
  }
  grpc::Status result = grpc::Status::OK;
  while (!context->IsCancelled()) {
    std::deque<TerminalEvent> batch;
    {
      std::unique_lock lock(sub->mutex);
      sub->cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return !sub->events.empty(); });
      batch.swap(sub->events);
    }
    bool open = true;
    for (const auto& e : batch) open = open && writer->Write(e);
    if (!open) break;
  }
  std::lock_guard lock(subscribersMutex_);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), sub),
                     subscribers_.end());
  return result;
}

grpc::Status AdminService::SubmitPlan(grpc::ServerContext*, const SubmitPlanRequest* request,
                                      SubmitPlanResponse* response) {
  auto submitted = node_.submit(request->plan(), request->newid());
  if (!submitted) return toGrpc(submitted.error());
  response->mutable_planid()->set_id(submitted->planId);
  response->set_alreadysubmitted(submitted->alreadySubmitted);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetExecution(grpc::ServerContext*, const GetExecutionRequest* request,
                                        GetExecutionResponse* response) {
  auto view = node_.get(request->planid().id());
  if (!view) return toGrpc(view.error());
  *response = executionResponse(*view);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListExecutions(grpc::ServerContext*,
                                          const ListExecutionsRequest* request,
                                          ListExecutionsResponse* response) {
  auto plans = node_.list(request->status(), request->limit());
  if (!plans) return toGrpc(plans.error());
  for (const auto& p : *plans) *response->add_executions() = executionSummary(p);
  return grpc::Status::OK;
}

grpc::Status AdminService::WatchExecution(grpc::ServerContext* context,
                                          const GetExecutionRequest* request,
                                          grpc::ServerWriter<ExecutionUpdate>* writer) {
  std::string last;
  for (;;) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    auto view = node_.get(request->planid().id());
    if (!view) return toGrpc(view.error());
    ExecutionUpdate update;
    *update.mutable_state() = executionResponse(*view);
    std::string bytes = update.SerializeAsString();
    if (bytes != last) {
      if (!writer->Write(update)) return grpc::Status::OK;
      last = std::move(bytes);
    }
    if (view->summary.terminal) return grpc::Status::OK;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

grpc::Status AdminService::ListLedgers(grpc::ServerContext*, const ListLedgersRequest*,
                                       ListLedgersResponse* response) {
  for (const auto& l : ledgers_.list()) *response->add_ledgers() = ledgerInfo(l);
  return grpc::Status::OK;
}

grpc::Status AdminService::ReloadLedger(grpc::ServerContext*, const ReloadLedgerRequest* request,
                                        ReloadLedgerResponse* response) {
  if (!request->pluginpath().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a reload loads what the router's TOML says: set `plugin` (and `sha256`) "
                        "in the ledger's [[ledger]] entry, then reload without a path");
  }
  auto info = ledgers_.reload(request->name());
  if (reloadListener_) reloadListener_(request->name(), info.ok());
  if (!info) return toGrpc(info.error());
  *response->mutable_ledger() = ledgerInfo(*info);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetBalance(grpc::ServerContext*, const GetBalanceRequest* request,
                                      GetBalanceResponse* response) {
  auto plugin = ledgers_.byName(request->ledger());
  if (!plugin) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no ledger named \"" + request->ledger() + "\"");
  }
  auto b = plugin->balanceAndWait(request->account(), request->asset());
  if (b.status != FINP2P_LEDGER_OK) {
    auto code = b.status == FINP2P_LEDGER_ERROR_NOT_FOUND ? grpc::StatusCode::NOT_FOUND
                                                          : grpc::StatusCode::FAILED_PRECONDITION;
    return grpc::Status(code, std::string(ledger::statusName(b.status)) + ": " + b.message);
  }
  response->set_current(b.current);
  response->set_available(b.available);
  response->set_held(b.held);
  return grpc::Status::OK;
}

}  // namespace finp2p::rpc

namespace finp2p::rpc {

grpc::Status AdminService::ListPeers(grpc::ServerContext*, const ListPeersRequest*,
                                     ListPeersResponse* response) {
  if (!outbox_ || !peerService_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "this router has no peer service");
  }
  *response = peerList(*outbox_, *peerService_);
  return grpc::Status::OK;
}

}  // namespace finp2p::rpc
