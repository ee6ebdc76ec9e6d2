#include "workflow_store.h"

#include "gongjian/domain/codec.h"

namespace gongjian::server {

void workflow_store::absorb(const eventstore::append_request& request, const eventstore::append_result& written) {
  if (written.duplicate) return;  // written before (a restart): the write model read it from the log
  std::vector<domain::event> events;
  for (const auto& w : request.writes) {
    for (const auto& e : w.events) {
      auto decoded = domain::decode(e.type, e.schema_version, e.payload);
      // The workflow encoded these itself a moment ago; a failure here would be a codec bug, and
      // the write model then learns the events at its next rebuild from the log.
      if (!decoded) return;
      events.push_back(std::move(decoded).value());
    }
  }
  commands_->absorb(request.command_id, request.metadata.by.user, std::move(events), written.first.value,
                    written.last.value);
}

result<eventstore::append_result> workflow_store::append(eventstore::append_request request) {
  auto kept = request;
  auto written = inner_.append(std::move(request));
  if (written) absorb(kept, *written);
  return written;
}

void workflow_store::append_async(eventstore::append_request request,
                                  std::function<void(result<eventstore::append_result>)> done) {
  auto kept = std::make_shared<eventstore::append_request>(request);
  inner_.append_async(std::move(request), [this, kept, done = std::move(done)](result<eventstore::append_result> r) {
    if (r) absorb(*kept, *r);
    done(std::move(r));
  });
}

}  // namespace gongjian::server
