#include "engine/messages.hpp"

namespace finp2p::engine {
namespace {
Error malformed(const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "malformed message: " + what);
}
Result<finp2p::journal::Event> withPlan(finp2p::journal::Event e, const std::string& planId) {
  if (planId.empty()) return malformed("no execution plan id");
  e.set_planid(planId);
  return e;
}
}  // namespace

Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::ProposeRequest& m) {
  finp2p::journal::Event e;
  switch (m.proposal_case()) {
    case finp2p::execution::ProposeRequest::kExecutionPlan: {
      auto* p = e.mutable_planproposal();
      p->set_from(from);
      *p->mutable_plan() = m.executionplan().plan();
      if (m.executionplan().has_issuerapproval()) {
        *p->mutable_issuerapproval() = m.executionplan().issuerapproval();
      }
      return withPlan(std::move(e), m.executionplan().plan().id().id());
    }
    case finp2p::execution::ProposeRequest::kInstructionCompletion: {
      auto* p = e.mutable_completionproposal();
      p->set_from(from);
      *p->mutable_event() = m.instructioncompletion();
      return withPlan(std::move(e), m.instructioncompletion().instruction().planid().id());
    }
    default:
      return malformed("a proposal with neither a plan nor a completion");
  }
}

Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::ApproveRequest& m) {
  finp2p::journal::Event e;
  switch (m.approval_case()) {
    case finp2p::execution::ApproveRequest::kPlan: {
      auto* a = e.mutable_planapproval();
      a->set_from(from);
      *a->mutable_approval() = m.plan();
      return withPlan(std::move(e), m.plan().executionplanid().id());
    }
    case finp2p::execution::ApproveRequest::kInstructionCompletion: {
      auto* a = e.mutable_completionapproval();
      a->set_from(from);
      *a->mutable_approval() = m.instructioncompletion();
      return withPlan(
          std::move(e),
          m.instructioncompletion().instructioncompletion().instruction().planid().id());
    }
    default:
      return malformed("an approval of neither a plan nor a completion");
  }
}

Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::RejectRequest& m) {
  finp2p::journal::Event e;
  switch (m.rejection_case()) {
    case finp2p::execution::RejectRequest::kPlan: {
      auto* r = e.mutable_planrejection();
      r->set_from(from);
      r->set_reason(m.plan().reason());
      return withPlan(std::move(e), m.plan().executionplanid().id());
    }
    case finp2p::execution::RejectRequest::kInstructionCompletion: {
      auto* r = e.mutable_completionrejection();
      r->set_from(from);
      r->set_sequence(m.instructioncompletion().instructionsequence());
      r->set_reason(m.instructioncompletion().reason());
      return withPlan(std::move(e), m.instructioncompletion().executionplanid().id());
    }
    case finp2p::execution::RejectRequest::kFence: {
      e.mutable_fencereceived()->set_from(from);
      e.mutable_fencereceived()->set_lift(m.fence().lift());
      return withPlan(std::move(e), m.fence().executionplanid().id());
    }
    default:
      return malformed("a rejection of neither a plan nor a completion");
  }
}

std::string senderOf(const finp2p::journal::Event& e) {
  using finp2p::journal::Event;
  switch (e.kind_case()) {
    case Event::kPlanProposal:
      return e.planproposal().from();
    case Event::kPlanApproval:
      return e.planapproval().from();
    case Event::kPlanRejection:
      return e.planrejection().from();
    case Event::kCompletionProposal:
      return e.completionproposal().from();
    case Event::kCompletionApproval:
      return e.completionapproval().from();
    case Event::kCompletionRejection:
      return e.completionrejection().from();
    case Event::kFenceReceived:
      return e.fencereceived().from();
    default:
      return "";
  }
}

}  // namespace finp2p::engine
