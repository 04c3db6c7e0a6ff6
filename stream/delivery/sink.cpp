// Reading an outbox document's revision, shared by the sender and the sinks.
#include "stream/delivery/sink.hpp"

#include <algorithm>
#include <limits>

namespace rolewatch::stream {

Revision revision_of(const nlohmann::json& document) {
  Revision revision;
  if (!document.is_object()) return revision;
  auto number = document.find("revision");
  if (number != document.end() && number->is_number_unsigned()) {
    revision.number = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
        number->get<std::uint64_t>(), 1, std::numeric_limits<std::uint32_t>::max()));
  }
  auto status = document.value("status", "");
  if (status == "closed") {
    revision.status = RevisionStatus::closed;
  } else if (status == "updated" || (status != "firing" && revision.number > 1)) {
    revision.status = RevisionStatus::updated;
  }
  return revision;
}

std::string delivery_id(const nlohmann::json& document, std::string_view id) {
  if (is_activation_document(document)) return std::string(id);
  return std::string(id) + "." + std::to_string(revision_of(document).number);
}

}  // namespace rolewatch::stream
