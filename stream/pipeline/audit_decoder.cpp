#include "stream/pipeline/audit_decoder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "state/base/utf8.hpp"
#include "stream/pipeline/record_normalizer.hpp"

// How bad input is handled, and why.
//
// On-Demand parses lazily: a syntax error is found only when the iterator
// reaches it. Records decoded before it have already been emitted and stay
// valid; the error ends the message (after a JSON error the iterator must not
// be used again), so records after it are lost and the message is counted as
// malformed. A wrong type or a missing field is different: simdjson leaves
// the iterator usable, so only that record is counted and skipped.
//
// simdjson checks, before anything is read, that a root object ends in '}'
// (and a root array in ']'). A message cut short (e.g. a truncated Event
// Hubs body) therefore fails up front. For the {"records":[...]} and
// {"value":[...]} shapes we salvage it: the document is cut after the last
// complete record, closed, and decoded again, so the complete records before
// the truncation are emitted; the message is still counted as malformed.
//
// simdjson also refuses, before anything is read, a document with invalid
// UTF-8 anywhere or a control character unescaped inside a string. One such
// byte in an attacker's display name must not hide the other records of the
// message, so a copy is repaired (each bad sequence becomes U+FFFD) and
// decoded instead, and the message is counted as repaired, not malformed.
// The repair can change a byte of an id too; that record is kept with the
// id as repaired (no id is invented). A string that merely does not unescape
// (a lone surrogate) passes this check and is the record's business.

namespace rolewatch::stream {
namespace {

namespace od = simdjson::ondemand;

// Event Hubs caps a message at 1 MB; replayed Graph pages may be larger.
constexpr std::size_t kMaxDocumentBytes = 64 * 1024 * 1024;

// The parser grows to any document larger than all before, and each growth
// allocates its buffers anew (several bytes per document byte). Sizes creep
// up: a 400 MB replay grew each parser 17 times, and every new buffer was
// zeroed page by page. Doubling grows it a few times, up to the size the
// decoder keeps between messages (beyond it, to the document's own size);
// only the pages a document fills become resident. A document over the
// limit allocates nothing (iterate refuses it).
void reserve_for(od::parser& parser, std::size_t bytes) {
  if (bytes <= parser.capacity() || bytes > kMaxDocumentBytes) return;
  const auto capacity =
      std::max(bytes, std::min(2 * parser.capacity(), AuditDecoder::kKeepBufferBytes));
  // Nothing to handle on failure: iterate allocates what it needs, or reports it.
  [[maybe_unused]] const auto error = parser.allocate(capacity);
}

// Collects what went wrong in one message, so it is logged once.
class MessageReport {
 public:
  explicit MessageReport(const SourceMessage& message) : message_(message) {}

  void malformed_record(std::size_t index, const RecordResult& result) {
    if (malformed_records_++ == 0) first_record_ = {index, result.problem, result.error};
  }
  void malformed_message(std::size_t index, std::string_view problem, simdjson::error_code error) {
    if (!message_problem_.problem.empty()) return;
    message_problem_ = {index, problem, error};
  }
  bool message_malformed() const { return !message_problem_.problem.empty(); }
  void repaired_record(std::size_t index, std::string_view field) {
    if (repaired_records_++ == 0) first_repair_ = {index, field, simdjson::SUCCESS};
  }
  void repaired_message() { repaired_message_ = true; }

  // One line per message at most, empty when all was well; names fields
  // and positions, never the text that was repaired.
  std::string text() const;

 private:
  struct Problem {
    std::size_t index = 0;
    std::string_view problem;
    simdjson::error_code error = simdjson::SUCCESS;
  };
  static std::string describe(const Problem& p) {
    std::string text(p.problem);
    if (p.error != simdjson::SUCCESS) {
      text += " (";
      text += simdjson::error_message(p.error);
      text += ')';
    }
    return text;
  }

  std::string repairs() const;

  const SourceMessage& message_;
  std::size_t malformed_records_ = 0;
  Problem first_record_;
  Problem message_problem_;
  bool repaired_message_ = false;
  std::size_t repaired_records_ = 0;
  Problem first_repair_;
};

// "; invalid UTF-8 or control characters repaired, 2 record(s) kept with
// repaired text, first at record 0 (initiatedBy)", or empty.
std::string MessageReport::repairs() const {
  std::string text;
  if (repaired_message_) text += "; invalid UTF-8 or control characters repaired";
  if (repaired_records_ > 0) {
    text += fmt::format("; {} record(s) kept with repaired text, first at record {} ({})",
                        repaired_records_, first_repair_.index, first_repair_.problem);
  }
  return text;
}

std::string MessageReport::text() const {
  if (message_malformed()) {
    return fmt::format(
        "malformed audit message {}[{}]@{}: {} at record {}; {} record(s) before it were kept, "
        "{} malformed record(s){}",
        message_.topic, message_.partition, message_.offset, describe(message_problem_),
        message_problem_.index, message_problem_.index, malformed_records_, repairs());
  }
  if (malformed_records_ > 0) {
    return fmt::format(
        "audit message {}[{}]@{}: {} malformed record(s) skipped, first at record {}: {}{}",
        message_.topic, message_.partition, message_.offset, malformed_records_,
        first_record_.index, describe(first_record_), repairs());
  }
  if (repaired_message_ || repaired_records_ > 0) {
    return fmt::format("audit message {}[{}]@{}: repaired{}", message_.topic, message_.partition,
                       message_.offset, repairs());
  }
  return {};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The depth of the record list when `text` starts like {"records":[ or
// {"value":[ (2) or is a root array (1): the shapes whose records can be
// salvaged one by one. nullopt for anything else (a bare record).
std::optional<std::size_t> record_list_depth(std::string_view text) {
  std::size_t i = 0;
  auto accept = [&](std::string_view token) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (text.substr(i, token.size()) != token) return false;
    i += token.size();
    return true;
  };
  if (accept("[")) return 1;
  if (accept("{") && (accept("\"records\"") || accept("\"value\"")) && accept(":") && accept("[")) {
    return 2;
  }
  return std::nullopt;
}

// For a document cut short: the length up to the end of the last complete
// record, and in `closers` the brackets that close what is still open there.
// nullopt when no record is complete. Scans strings and escapes like
// simdjson's stage 1, and stops at the first mismatched bracket.
std::optional<std::size_t> salvage_cut(std::string_view text, std::string& closers) {
  const auto list_depth = record_list_depth(text);
  if (!list_depth) return std::nullopt;
  std::vector<char> open;  // '{' or '['
  std::optional<std::size_t> cut;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      open.push_back(c);
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) break;
      open.pop_back();
      if (open.size() <= *list_depth) {
        cut = i + 1;
        closers.clear();
        for (auto it = open.rbegin(); it != open.rend(); ++it) closers += *it == '{' ? '}' : ']';
      }
    }
  }
  return cut;
}

}  // namespace

DecodeCounters& DecodeCounters::operator+=(const DecodeCounters& other) {
  messages += other.messages;
  records += other.records;
  role_records += other.role_records;
  skipped_category += other.skipped_category;
  malformed_messages += other.malformed_messages;
  malformed_records += other.malformed_records;
  unknown_activities += other.unknown_activities;
  repaired_messages += other.repaired_messages;
  repaired_records += other.repaired_records;
  return *this;
}

namespace {

// One pass over a document; the decoder's state for one decode() call.
class DocumentDecoder {
 public:
  DocumentDecoder(od::parser& parser, std::string& buffer, MessageReport& report,
                  DecodeCounters& counters, const AuditDecoder::EventSink& on_event,
                  const AuditDecoder::TimeSink& on_time)
      : parser_(parser),
        buffer_(buffer),
        report_(report),
        counters_(counters),
        on_event_(on_event),
        on_time_(on_time) {}

  enum class Outcome { done, cut_short, bad_text };
  // Both failures are found before any record was read. `cut_short`: in a
  // way a salvaged copy may fix (unclosed string or unbalanced brackets).
  // `bad_text`: invalid UTF-8 or an unescaped control character, which a
  // repaired copy fixes.
  // Decodes `text`: in place when `padding` readable bytes follow it (at
  // least simdjson's padding), else a padded copy. A document cut short is
  // salvaged up to its last complete record and counted as malformed (never
  // `cut_short`).
  Outcome decode_text(std::string_view text, std::size_t padding = 0);

 private:
  Outcome decode(simdjson::padded_string_view json);
  Outcome decode_object_root(od::document& doc);
  void decode_records(od::array& records);
  // False when the document cannot be read further.
  bool decode_record(od::object& record);
  // Counts one record that did not end the document.
  void count(const RecordResult& result);
  void malformed_message(std::string_view problem, simdjson::error_code error) {
    report_.malformed_message(index_, problem, error);
  }

  od::parser& parser_;
  std::string& buffer_;  // the padded copy being decoded
  MessageReport& report_;
  DecodeCounters& counters_;
  const AuditDecoder::EventSink& on_event_;
  const AuditDecoder::TimeSink& on_time_;
  std::size_t index_ = 0;  // records seen so far
  // Filled by role records only: other records (>95%) build no event.
  rules::RoleEvent event_;
};

// `text` then `suffix`, copied into `buffer` with simdjson's padding after.
simdjson::padded_string_view padded_copy(std::string& buffer, std::string_view text,
                                         std::string_view suffix) {
  const std::size_t length = text.size() + suffix.size();
  if (buffer.size() < length + simdjson::SIMDJSON_PADDING) {
    buffer.resize(length + simdjson::SIMDJSON_PADDING);
  }
  // std::copy, not memcpy: an empty view may have a null data().
  std::copy(text.begin(), text.end(), buffer.begin());
  std::copy(suffix.begin(), suffix.end(),
            buffer.begin() + static_cast<std::ptrdiff_t>(text.size()));
  buffer[length] = '\n';  // what follows a line in place (see padded_view)
  return simdjson::padded_string_view(buffer.data(), length, buffer.size());
}

// `text` itself when `padding` readable bytes follow it, the first a '\n',
// else a padded copy in `buffer`, also followed by '\n'. The byte right after
// the document is the one simdjson reads past its end (on a document cut
// short after a '}'); it must be the same either way, or a truncated message
// would be counted differently in place and copied.
simdjson::padded_string_view padded_view(std::string& buffer, std::string_view text,
                                         std::size_t padding) {
  if (padding >= simdjson::SIMDJSON_PADDING && text.data() != nullptr &&
      text.data()[text.size()] == '\n') {
    return simdjson::padded_string_view(text.data(), text.size(), text.size() + padding);
  }
  return padded_copy(buffer, text, {});
}

DocumentDecoder::Outcome DocumentDecoder::decode_text(std::string_view text, std::size_t padding) {
  const auto outcome = decode(padded_view(buffer_, text, padding));
  if (outcome != Outcome::cut_short) return outcome;
  std::string closers;
  if (const auto cut = salvage_cut(text, closers)) {
    // cut_short and bad_text both come before any record is read.
    const auto salvaged = decode(padded_copy(buffer_, text.substr(0, *cut), closers));
    if (salvaged == Outcome::bad_text) return salvaged;
  }
  report_.malformed_message(index_, "message is truncated or its brackets do not balance",
                            simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
  return Outcome::done;
}

DocumentDecoder::Outcome DocumentDecoder::decode(simdjson::padded_string_view json) {
  reserve_for(parser_, json.length());
  od::document doc;
  if (auto error = parser_.iterate(json).get(doc)) {
    if (error == simdjson::UNCLOSED_STRING) return Outcome::cut_short;
    if (error == simdjson::UTF8_ERROR || error == simdjson::UNESCAPED_CHARS) {
      return Outcome::bad_text;
    }
    malformed_message("not a JSON document", error);
    return Outcome::done;
  }
  od::json_type type;
  if (auto error = doc.type().get(type)) {
    malformed_message("not a JSON document", error);
    return Outcome::done;
  }
  if (type == od::json_type::object) return decode_object_root(doc);
  if (type != od::json_type::array) {
    malformed_message("message is neither an object nor an array", simdjson::INCORRECT_TYPE);
    return Outcome::done;
  }
  od::array records;
  if (auto error = doc.get_array().get(records)) {
    if (error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) return Outcome::cut_short;
    malformed_message("unreadable array", error);
    return Outcome::done;
  }
  decode_records(records);
  return Outcome::done;
}

// {"records":[...]}, {"value":[...]}, or one bare record.
DocumentDecoder::Outcome DocumentDecoder::decode_object_root(od::document& doc) {
  od::object root;
  if (auto error = doc.get_object().get(root)) {
    if (error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) return Outcome::cut_short;
    malformed_message("unreadable object", error);
    return Outcome::done;
  }
  struct RecordList {
    const char* key;
    std::string_view problem;
  };
  for (const RecordList list : {RecordList{"records", "records is not an array"},
                                RecordList{"value", "value is not an array"}}) {
    od::value value;
    auto error = root.find_field_unordered(list.key).get(value);
    if (error == simdjson::NO_SUCH_FIELD) {
      if (auto reset_error = root.reset().error()) {
        malformed_message("unreadable object", reset_error);
        return Outcome::done;
      }
      continue;
    }
    od::array records;
    if (!error) error = value.get_array().get(records);
    if (error) {
      malformed_message(list.problem, error);
      return Outcome::done;
    }
    decode_records(records);
    return Outcome::done;
  }
  decode_record(root);
  return Outcome::done;
}

void DocumentDecoder::decode_records(od::array& records) {
  for (auto element : records) {
    od::value value;
    if (auto error = element.get(value)) {
      malformed_message("unreadable records array", error);
      return;
    }
    od::object record;
    auto error = value.get_object().get(record);
    if (error == simdjson::INCORRECT_TYPE) {
      count({RecordStatus::malformed_record, "record is not an object", error});
      continue;
    }
    if (error) {
      malformed_message("unreadable record", error);
      return;
    }
    if (!decode_record(record)) return;
  }
}

bool DocumentDecoder::decode_record(od::object& record) {
  const RecordResult result = normalize_record(record, event_);
  if (result.status != RecordStatus::other_category && result.status != RecordStatus::role_event) {
    event_ = {};  // nothing half-filled reaches the next record
  }
  if (result.status == RecordStatus::malformed_document) {
    // Not counted as a record: the message is what is malformed.
    malformed_message(result.problem, result.error);
    return false;
  }
  count(result);
  if (result.status == RecordStatus::other_category && result.time != 0 && on_time_) {
    on_time_(result.time);
  }
  if (result.status != RecordStatus::role_event) return true;
  if (result.unknown_activity) {
    spdlog::debug("unknown RoleManagement activity '{}' ({})", event_.activity, event_.audit_id);
  }
  on_event_(std::move(event_));
  event_ = {};
  return true;
}

void DocumentDecoder::count(const RecordResult& result) {
  ++counters_.records;
  switch (result.status) {
    case RecordStatus::role_event:
      ++counters_.role_records;
      if (result.unknown_activity) ++counters_.unknown_activities;
      if (result.repaired) {
        ++counters_.repaired_records;
        report_.repaired_record(index_, result.repaired_field);
      }
      break;
    case RecordStatus::other_category:
      ++counters_.skipped_category;
      break;
    case RecordStatus::malformed_record:
      ++counters_.malformed_records;
      report_.malformed_record(index_, result);
      break;
    case RecordStatus::malformed_document:
      break;
  }
  ++index_;
}

}  // namespace

AuditDecoder::AuditDecoder() : parser_(kMaxDocumentBytes) {}

DecodeCounters AuditDecoder::decode(const SourceMessage& message, const EventSink& on_event,
                                    const TimeSink& on_time, std::string* warning) {
  DecodeCounters counters;
  counters.messages = 1;
  MessageReport report(message);
  DocumentDecoder decoder(parser_, buffer_, report, counters, on_event, on_time);
  if (decoder.decode_text(message.payload, message.padding) == DocumentDecoder::Outcome::bad_text) {
    // Nothing was read yet: decode a repaired copy instead.
    repaired_.clear();
    const bool changed = state::append_repaired_json_document(message.payload, repaired_);
    if (changed && decoder.decode_text(repaired_) != DocumentDecoder::Outcome::bad_text) {
      report.repaired_message();
      ++counters.repaired_messages;
    } else {
      report.malformed_message(0, "text simdjson refuses survived repair", simdjson::UTF8_ERROR);
    }
  }
  if (report.message_malformed()) ++counters.malformed_messages;
  if (auto text = report.text(); !text.empty()) {
    if (warning) {
      *warning = std::move(text);
    } else {
      spdlog::warn("{}", text);
    }
  }
  release_if_large();
  return counters;
}

// One huge message must not pin its size in memory for the life of the
// process: buffers over kKeepBufferBytes are given back after use, the
// parser's internal ones included (it grows to the largest document seen).
void AuditDecoder::release_if_large() {
  if (parser_.capacity() > kKeepBufferBytes) parser_ = od::parser(kMaxDocumentBytes);
  if (buffer_.capacity() > kKeepBufferBytes) std::string().swap(buffer_);
  if (repaired_.capacity() > kKeepBufferBytes) std::string().swap(repaired_);
}

}  // namespace rolewatch::stream
