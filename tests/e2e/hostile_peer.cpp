// A peer that misbehaves on purpose, for the end-to-end hostile input test: it sends one sealed
// ExecutionService request shaped by --mode and prints the router's answer as
// "code=<n> <message>".
//   hostile_peer --target HOST:PORT --to ORG --as ORG --key PEM --plan ID --mode MODE
//                [--message-id ID] [--repeat N]
// modes: garbage, many-roles, approve, reject, stale, future, int64-min, int64-max, wrong-receiver,
// propose-foreign-plan, completion

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>

#include "crypto/sealing.hpp"
#include "finp2p/execution.grpc.pb.h"

using namespace finp2p::execution;

int main(int argc, char** argv) {
  CLI::App app{"hostile_peer"};
  std::string target, to, as, keyPath, planId, mode, messageId = "hostile-1";
  int repeat = 1;
  std::string tlsCert, tlsKey, tlsCa, tlsName;
  app.add_option("--target", target)->required();
  app.add_option("--to", to)->required();
  app.add_option("--as", as)->required();
  app.add_option("--key", keyPath)->required();
  app.add_option("--plan", planId)->required();
  app.add_option("--mode", mode)->required();
  app.add_option("--message-id", messageId);
  app.add_option("--repeat", repeat);
  app.add_option("--tls-cert", tlsCert, "Connect over mTLS with this certificate (PEM file)");
  app.add_option("--tls-key", tlsKey);
  app.add_option("--tls-ca", tlsCa);
  app.add_option("--tls-name", tlsName, "Name the router's certificate must carry");
  CLI11_PARSE(app, argc, argv);

  auto key = finp2p::crypto::SigningKey::fromPemFile(keyPath);
  if (!key) {
    std::fprintf(stderr, "%s\n", key.error().message.c_str());
    return 2;
  }
  auto readFile = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (!tlsCert.empty()) {
    grpc::SslCredentialsOptions o;
    o.pem_cert_chain = readFile(tlsCert);
    o.pem_private_key = readFile(tlsKey);
    o.pem_root_certs = readFile(tlsCa);
    credentials = grpc::SslCredentials(o);
    args.SetSslTargetNameOverride(tlsName);
  }
  auto stub = ExecutionService::NewStub(grpc::CreateCustomChannel(target, credentials, args));
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  finp2p::common::Envelope env;
  env.set_messageid(messageId);
  env.set_senderorganizationid(as);
  env.set_receiverorganizationid(mode == "wrong-receiver" ? "bank-x" : to);
  env.set_timestampmillis(mode == "stale"       ? now - 3'600'000
                          : mode == "future"    ? now + 3'600'000
                          : mode == "int64-min" ? INT64_MIN
                          : mode == "int64-max" ? INT64_MAX
                                                : now);

  if (mode == "garbage") {
    // Bytes that are not a SignedProposeRequest: the answer must still be a sealed status.
    auto channel = grpc::CreateCustomChannel(target, credentials, args);
    grpc::GenericStub generic(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice slice(std::string("\xff\xff\xff\xff garbage"));
    grpc::ByteBuffer body(&slice, 1), reply;
    std::promise<grpc::Status> finished;
    generic.UnaryCall(&context, "/finp2p.execution.ExecutionService/Propose", grpc::StubOptions(),
                      &body, &reply, [&](grpc::Status s) { finished.set_value(s); });
    grpc::Status rpc = finished.get_future().get();
    if (!rpc.ok()) {
      std::printf("transport error: %d %s\n", rpc.error_code(), rpc.error_message().c_str());
      return 3;
    }
    SignedProposeResponse response;
    if (!grpc::SerializationTraits<SignedProposeResponse>::Deserialize(&reply, &response).ok()) {
      std::printf("unparsable answer\n");
      return 3;
    }
    std::printf("code=%d %s (sealed by %s)\n", response.response().status().code(),
                response.response().status().message().c_str(),
                response.signature().keyid().c_str());
    return 0;
  }

  for (int i = 0; i < repeat; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    finp2p::common::Status answer;
    grpc::Status rpc;
    if (mode == "propose-foreign-plan" || mode == "completion" || mode == "many-roles") {
      SignedProposeRequest request;
      *request.mutable_request()->mutable_envelope() = env;
      if (mode == "completion") {
        auto* c = request.mutable_request()->mutable_instructioncompletion();
        c->mutable_instruction()->mutable_planid()->set_id(planId);
        c->mutable_instruction()->set_sequence(1);
        c->mutable_instruction()->add_organizations(as);
        c->mutable_instruction()->mutable_transfer()->set_amount("1");
      } else {
        auto* plan = request.mutable_request()->mutable_executionplan()->mutable_plan();
        plan->mutable_id()->set_id(planId);
        if (mode == "many-roles") {
          // About 1 MB on the wire: a million duplicate roles of one participant.
          auto* p = plan->add_participants();
          p->set_organizationid(to);
          for (int r = 0; r < 1'000'000; ++r) p->add_roles(Participant::Contributor);
          plan->add_participants()->set_organizationid(as);
        }
      }
      *request.mutable_signature() = finp2p::crypto::seal(request.request(), *key, as);
      SignedProposeResponse response;
      rpc = stub->Propose(&context, request, &response);
      answer = response.response().status();
    } else if (mode == "reject") {
      SignedRejectRequest request;
      *request.mutable_request()->mutable_envelope() = env;
      auto* rejection = request.mutable_request()->mutable_plan();
      rejection->mutable_executionplanid()->set_id(planId);
      rejection->set_reason("hostile");
      *request.mutable_signature() = finp2p::crypto::seal(request.request(), *key, as);
      SignedRejectResponse response;
      rpc = stub->Reject(&context, request, &response);
      answer = response.response().status();
    } else {
      SignedApproveRequest request;
      *request.mutable_request()->mutable_envelope() = env;
      auto* approval = request.mutable_request()->mutable_plan();
      approval->mutable_executionplanid()->set_id(planId);
      approval->set_organizationid(as);
      approval->mutable_signature()->set_signature("00");
      *request.mutable_signature() = finp2p::crypto::seal(request.request(), *key, as);
      SignedApproveResponse response;
      rpc = stub->Approve(&context, request, &response);
      answer = response.response().status();
    }
    if (!rpc.ok()) {
      std::printf("transport error: %s\n", rpc.error_message().c_str());
      return 3;
    }
    std::printf("code=%d %s\n", answer.code(), answer.message().c_str());
  }
  return 0;
}
