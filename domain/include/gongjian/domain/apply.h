#pragma once
// apply(state, event): fold one event into the write model. Pure and deterministic: it trusts
// the event (events were decided against the rules before they were written) and never fails,
// so a replay of the log always reproduces the state.

#include "gongjian/domain/events.h"
#include "gongjian/domain/state.h"

namespace gongjian::domain {

void apply(state& s, const event& e);

}  // namespace gongjian::domain
