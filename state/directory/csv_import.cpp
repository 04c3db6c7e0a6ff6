#include "state/directory/csv_import.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <istream>
#include <optional>
#include <streambuf>
#include <string>

#include "state/base/time.hpp"
#include "state/eligibility_snapshot.hpp"

namespace rolewatch::state {
namespace {

struct Record {
  std::size_t line = 0;  // physical line where the record starts (1-based)
  std::vector<std::string> fields;
};

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr int kEnd = std::char_traits<char>::eof();

Error line_error(std::size_t line, const std::string& what) {
  return make_error("line " + std::to_string(line) + ": " + what, ErrorCode::invalid_argument);
}

// A string as a read-only stream buffer, so text and files share one reader.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    auto* begin = const_cast<char*>(text.data());  // never written: no put area
    setg(begin, begin, begin + text.size());
  }
};

// RFC 4180 reader over a stream buffer: quoted fields may hold delimiters,
// "" and line breaks. It reads one character at a time and keeps only the
// record at hand, each field and record bounded by CsvLimits, so a file's
// size never becomes memory.
class CsvReader {
 public:
  CsvReader(std::streambuf& in, const CsvLimits& limits) : in_(in), limits_(limits) {}

  // Reads the header line ahead (bounded) and picks the delimiter from it:
  // whichever of ',' and ';' it uses more. A UTF-8 BOM is dropped.
  Status start() {
    for (int c = in_.sbumpc(); c != kEnd; c = in_.sbumpc()) {
      if (ahead_.size() == limits_.max_row_bytes) return line_error(1, row_too_long());
      ahead_.push_back(static_cast<char>(c));
      if (c == '\n') break;
    }
    if (std::string_view(ahead_).starts_with(kBom)) ahead_pos_ = kBom.size();
    auto commas = std::count(ahead_.begin(), ahead_.end(), ',');
    auto semicolons = std::count(ahead_.begin(), ahead_.end(), ';');
    delimiter_ = semicolons > commas ? ';' : ',';
    return ok();
  }

  // False at the end. Errors name the record's first line.
  Expected<bool> next(Record& record) {
    int c = get();
    if (c == kEnd) return false;
    record = Record{line_, {}};
    std::string field;
    std::size_t row_bytes = 0;
    bool quoted = false, was_quoted = false;
    for (; c != kEnd; c = get()) {
      if (++row_bytes > limits_.max_row_bytes) return line_error(record.line, row_too_long());
      const char ch = static_cast<char>(c);
      if (quoted) {
        if (ch == '"' && peek() == '"') {
          field.push_back('"');
          get();
          ++row_bytes;
        } else if (ch == '"') {
          quoted = false;
        } else {
          if (ch == '\n') ++line_;
          field.push_back(ch);
        }
      } else if (ch == '"' && !was_quoted && field.find_first_not_of(" \t") == std::string::npos) {
        field.clear();  // spaces before an opening quote are padding
        quoted = was_quoted = true;
      } else if (ch == delimiter_) {
        record.fields.push_back(finish(field, was_quoted));
        was_quoted = false;
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && peek() == '\n') get();
        ++line_;
        break;
      } else if (was_quoted && (ch == ' ' || ch == '\t')) {
        continue;  // padding after a closing quote
      } else if (was_quoted) {
        return line_error(record.line, "unexpected text after a closing quote");
      } else {
        field.push_back(ch);
      }
      if (field.size() > limits_.max_field_bytes) {
        return line_error(record.line, "a field is longer than " +
                                           std::to_string(limits_.max_field_bytes) +
                                           " bytes (the CSV field limit)");
      }
    }
    if (quoted) return line_error(record.line, "unterminated quoted field");
    record.fields.push_back(finish(field, was_quoted));
    return true;
  }

 private:
  int get() {
    if (ahead_pos_ < ahead_.size()) return static_cast<unsigned char>(ahead_[ahead_pos_++]);
    return in_.sbumpc();
  }
  int peek() {
    if (ahead_pos_ < ahead_.size()) return static_cast<unsigned char>(ahead_[ahead_pos_]);
    return in_.sgetc();
  }
  std::string row_too_long() const {
    return "a row is longer than " + std::to_string(limits_.max_row_bytes) +
           " bytes (the CSV row limit)";
  }
  static std::string finish(std::string& field, bool was_quoted) {
    std::string out = was_quoted ? std::move(field) : trim(field);
    field.clear();
    return out;
  }
  static std::string trim(const std::string& text) {
    auto begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos) return {};
    return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
  }

  std::streambuf& in_;
  const CsvLimits& limits_;
  std::string ahead_;  // the header line, read ahead to pick the delimiter
  std::size_t ahead_pos_ = 0;
  char delimiter_ = ',';
  std::size_t line_ = 1;
};

enum Column {
  principal_id,
  principal_type,
  upn,
  role_id,
  role_name,
  scope,
  inherited_from,
  assignment_type,
  sync,
  enabled,
  start_time,
  end_time,
  kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames{
    "principalid",           "principaltype",    "userprincipalname",       "roledefinitionid",
    "roledefinitionname",    "directoryscopeid", "assignmentinheritedfrom", "assignmenttype",
    "onpremisessyncenabled", "accountenabled",   "startdatetime",           "enddatetime"};

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '_')
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool is_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string principal_type_name(std::string_view text) {
  auto key = lower(text);
  if (key.starts_with("#microsoft.graph.")) key = key.substr(17);
  if (key == "user" || key.empty()) return "User";
  if (key == "group") return "Group";
  if (key == "serviceprincipal") return "ServicePrincipal";
  return std::string(text);
}

Expected<std::optional<bool>> optional_bool(std::string_view text) {
  auto key = lower(text);
  if (key.empty()) return std::optional<bool>();
  if (key == "true" || key == "1" || key == "yes") return std::optional<bool>(true);
  if (key == "false" || key == "0" || key == "no") return std::optional<bool>(false);
  return make_error("expected true or false");
}

using ColumnMap = std::array<std::optional<std::size_t>, kColumnCount>;

Expected<ColumnMap> map_columns(const Record& header) {
  ColumnMap columns;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    auto name = lower(header.fields[i]);
    auto it = std::find(kColumnNames.begin(), kColumnNames.end(), name);
    if (it != kColumnNames.end()) columns[static_cast<std::size_t>(it - kColumnNames.begin())] = i;
  }
  for (auto required : {principal_id, role_id}) {
    if (!columns[required]) {
      return line_error(1, "header has no " + std::string(kColumnNames[required]) +
                               " column (expected PrincipalId,PrincipalType,UserPrincipalName,"
                               "RoleDefinitionId,RoleDefinitionName,DirectoryScopeId,"
                               "AssignmentInheritedFrom,AssignmentType)");
    }
  }
  return columns;
}

Expected<Assignment> to_assignment(const Record& record, const ColumnMap& columns) {
  auto field = [&](Column column) -> std::string {
    return columns[column] ? record.fields[*columns[column]] : std::string();
  };
  auto fail = [&](const std::string& what) { return line_error(record.line, what); };
  Assignment row;
  row.principal_id = lower(field(principal_id));
  row.role_template_id = lower(field(role_id));
  if (!is_guid(row.principal_id)) return fail("PrincipalId is not a GUID");
  if (!is_guid(row.role_template_id)) return fail("RoleDefinitionId is not a GUID");
  row.principal_type = principal_type_name(field(principal_type));
  row.user_principal_name = field(upn);
  row.role_display_name = field(role_name);
  if (auto scope_id = field(scope); !scope_id.empty()) row.directory_scope_id = scope_id;
  row.inherited_from = lower(field(inherited_from));
  if (!row.inherited_from.empty() && !is_guid(row.inherited_from)) {
    return fail("AssignmentInheritedFrom is not a GUID");
  }
  if (auto type = field(assignment_type); !type.empty()) {
    auto parsed = assignment_type_from_string(type);
    if (!parsed) return fail("unknown AssignmentType (expected Eligible, Active or Activated)");
    row.type = *parsed;
  }
  auto synced = optional_bool(field(sync));
  if (!synced) return fail("OnPremisesSyncEnabled: " + synced.error().message);
  row.on_premises_sync = *synced;
  auto account = optional_bool(field(enabled));
  if (!account) return fail("AccountEnabled: " + account.error().message);
  row.account_enabled = *account;
  row.start = state::parse_time_or_zero(field(start_time));
  row.end = state::parse_time_or_zero(field(end_time));
  return row;
}

bool blank(const Record& record) {
  return record.fields.size() == 1 && record.fields[0].empty();
}

Expected<std::vector<Assignment>> parse_rows(std::streambuf& in, const CsvLimits& limits) {
  CsvReader reader(in, limits);
  if (auto started = reader.start(); !started) return started.error();
  Record header;
  auto has_header = reader.next(header);
  if (!has_header) return has_header.error();
  if (!*has_header || blank(header)) return line_error(1, "empty file, expected a header");
  auto columns = map_columns(header);
  if (!columns) return columns.error();
  std::vector<Assignment> rows;
  Record record;
  for (;;) {
    auto more = reader.next(record);
    if (!more) return more.error();
    if (!*more) break;
    if (blank(record)) continue;
    if (record.fields.size() != header.fields.size()) {
      return line_error(record.line, "expected " + std::to_string(header.fields.size()) +
                                         " fields, found " + std::to_string(record.fields.size()));
    }
    if (rows.size() == limits.max_rows) {
      return line_error(record.line, "more than " + std::to_string(limits.max_rows) +
                                         " rows (the CSV row count limit)");
    }
    auto row = to_assignment(record, *columns);
    if (!row) return row.error();
    rows.push_back(std::move(*row));
  }
  return rows;
}

}  // namespace

Expected<std::vector<Assignment>> parse_eligibility_csv(std::string_view text,
                                                        const CsvLimits& limits) {
  ViewBuffer buffer(text);
  return parse_rows(buffer, limits);
}

Expected<std::vector<Assignment>> parse_eligibility_csv(std::istream& in, const CsvLimits& limits) {
  if (in.rdbuf() == nullptr) return make_error("no input stream");
  return parse_rows(*in.rdbuf(), limits);
}

Expected<SnapshotInfo> import_eligibility_csv(Store& store, const std::filesystem::path& file,
                                              Micros as_of, const CsvLimits& limits) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error("cannot read " + file.string(), ErrorCode::invalid_argument);
  auto rows = parse_eligibility_csv(in, limits);
  if (!rows)
    return make_error(file.filename().string() + ": " + rows.error().message, rows.error().code);
  return write_snapshot(store, *rows, SnapshotInfo{0, as_of, "csv:" + file.filename().string(), 0});
}

}  // namespace rolewatch::state
