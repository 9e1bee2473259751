#include "http/openapi.h"

#include <boost/json.hpp>
// valijson reports schema errors by aborting unless told to throw; Parse() turns them into Status.
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <cctype>
#include <exception>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <utility>

#include "core/time.h"
#include "http/static_files.h"

namespace clv::http {

struct OpenApiSpec::Operation {
  struct Compiled {
    boost::json::value source;  // the operation's schema as written (for error messages)
    boost::json::value root;    // {"components": ..., "allOf": [source]}: what $refs resolve in
    std::unique_ptr<valijson::Schema> schema;
  };
  struct ResponseSpec {
    std::vector<std::string> media_types;  // declared content types; empty: no body
    std::unique_ptr<Compiled> json;        // application/json schema, if any
  };
  std::unique_ptr<Compiled> request;  // application/json request body schema
  bool request_required = false;
  std::map<std::string, ResponseSpec, std::less<>> responses;  // "200", "4XX", "default"
};

OpenApiSpec::~OpenApiSpec() = default;

namespace {

namespace json = boost::json;

constexpr const char* kMethods[] = {"get", "put", "post", "delete", "patch"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view MediaTypeOf(std::string_view content_type) {
  std::string_view m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && m.back() == ' ') m.remove_suffix(1);
  return m;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "#/components/x/y" → the node, or null.
const json::value* ResolvePointer(const json::value& doc, std::string_view ref) {
  if (ref.substr(0, 2) != "#/") return nullptr;
  boost::system::error_code ec;
  const json::value* v = doc.find_pointer(ref.substr(1), ec);
  return ec ? nullptr : v;
}

// Follows $ref chains within the document (bounded, against cycles).
const json::value* Deref(const json::value& doc, const json::value* node) {
  for (int i = 0; i < 16 && node != nullptr && node->is_object(); ++i) {
    const json::value* ref = node->as_object().if_contains("$ref");
    if (ref == nullptr || !ref->is_string()) return node;
    node = ResolvePointer(doc, ref->as_string());
  }
  return node;
}

// ---- "format": "date", "date-time", "time" -----------------------------------------------------

// valijson 1.0 checks these formats by compiling a std::regex for every value it checks
// (validation_visitor.hpp), so checking a page of orders against the document cost more than
// serving it (59 % of the slowest API test under ASan). TakeOverDateFormats hands the formats to
// this constraint instead: valijson's RFC 3339 patterns (with a four-digit year), compiled once,
// and a real calendar (valijson lets 2023-02-29 through).
constexpr char kFormatKeyword[] = "x-clv-format";

enum class DateFormat { kDate, kTime, kDateTime };

std::optional<DateFormat> DateFormatNamed(std::string_view name) {
  if (name == "date") return DateFormat::kDate;
  if (name == "time") return DateFormat::kTime;
  if (name == "date-time") return DateFormat::kDateTime;
  return std::nullopt;
}

bool MatchesFormat(DateFormat format, const std::string& s) {
  // full-date (year, month, day are groups 1-3) and full-time of RFC 3339.
  static const std::string kDate = "([0-9]{4})-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])";
  static const std::string kTime =
      "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"  // hh:mm:ss(.frac)
      "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";                    // Z | ±hh:mm
  static const std::regex date("^" + kDate + "$");
  static const std::regex time("^" + kTime + "$");
  static const std::regex date_time("^" + kDate + "[Tt]" + kTime + "$");
  if (format == DateFormat::kTime) return std::regex_match(s, time);
  std::smatch m;
  if (!std::regex_match(s, m, format == DateFormat::kDate ? date : date_time)) return false;
  return std::stoi(m[3].str()) <= DaysInMonth(std::stoi(m[1].str()), std::stoi(m[2].str()));
}

class DateFormatConstraint final : public valijson::constraints::PolyConstraint {
 public:
  explicit DateFormatConstraint(DateFormat format) : format_(format) {}

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString()) return true;  // a format constrains strings only
    if (MatchesFormat(format_, target.getString())) return true;
    if (results != nullptr) {
      results->pushError(context, format_ == DateFormat::kDate ? "String should be a valid date"
                                  : format_ == DateFormat::kTime
                                      ? "String should be a valid time"
                                      : "String should be a valid date-time");
    }
    return false;
  }

 private:
  valijson::constraints::Constraint* cloneInto(void* where) const override {
    return new (where) DateFormatConstraint(format_);
  }
  std::size_t sizeOf() const override { return sizeof(DateFormatConstraint); }

  DateFormat format_;
};

class DateFormatConstraintBuilder final : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    // TakeOverDateFormats writes it only with a known format, but a document may spell it itself.
    std::string name;
    std::optional<DateFormat> format;
    if (value.getString(name)) format = DateFormatNamed(name);
    if (!format) {
      throw std::runtime_error(std::string(kFormatKeyword) + " must be date, time or date-time");
    }
    return new DateFormatConstraint(*format);
  }
};

// Renames "format": "date" | "date-time" | "time" to kFormatKeyword throughout a schema. Only a
// string value is renamed, so a property that happens to be called "format" (whose value is a
// schema, an object) keeps its name.
void TakeOverDateFormats(json::value& v) {
  if (json::array* a = v.if_array()) {
    for (json::value& e : *a) TakeOverDateFormats(e);
    return;
  }
  json::object* o = v.if_object();
  if (o == nullptr) return;
  if (json::value* f = o->if_contains("format");
      f != nullptr && f->is_string() && DateFormatNamed(f->as_string())) {
    json::value name = std::move(*f);
    o->erase("format");
    (*o)[kFormatKeyword] = std::move(name);
  }
  for (auto& [key, child] : *o) TakeOverDateFormats(child);
}

// `components`: the document's, with the date formats taken over (null when it has none).
Result<std::unique_ptr<OpenApiSpec::Operation::Compiled>> Compile(const json::value& components,
                                                                  const json::value& schema,
                                                                  std::string_view where) {
  auto c = std::make_unique<OpenApiSpec::Operation::Compiled>();
  c->source = schema;
  json::value checked = schema;
  TakeOverDateFormats(checked);
  json::object root;
  if (!components.is_null()) root["components"] = components;
  root["allOf"] = json::array{std::move(checked)};
  c->root = std::move(root);
  c->schema = std::make_unique<valijson::Schema>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    // The parser owns (and deletes) its constraint builders.
    parser.addConstraintBuilder(kFormatKeyword, new DateFormatConstraintBuilder());
    valijson::adapters::BoostJsonAdapter adapter(c->root);
    parser.populateSchema(adapter, *c->schema);
  } catch (const std::exception& e) {
    return InvalidArgument("openapi: schema of " + std::string(where) + " does not compile: " +
                           e.what());
  }
  return c;
}

// ---- precise messages from valijson's errors -------------------------------------------------

// valijson's context ["<root>", "[orders]", "[3]", "[total]"] → {"orders", "3", "total"}.
std::vector<std::string> ContextKeys(const std::vector<std::string>& context) {
  std::vector<std::string> keys;
  for (const std::string& c : context) {
    if (c.size() >= 2 && c.front() == '[' && c.back() == ']') keys.push_back(c.substr(1, c.size() - 2));
  }
  return keys;
}

bool IsIndex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// {"orders", "3", "total"} → "orders[3].total".
std::string FieldPath(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) {
    if (IsIndex(k)) {
      out += "[" + k + "]";
    } else {
      if (!out.empty()) out += '.';
      out += k;
    }
  }
  return out;
}

// The schema node that describes the value at `keys`, following $ref, allOf, properties and
// items; null when it cannot be found.
const json::value* SchemaAt(const json::value& doc, const json::value& schema,
                            const std::vector<std::string>& keys, std::size_t i = 0) {
  const json::value* node = Deref(doc, &schema);
  if (node == nullptr || !node->is_object()) return nullptr;
  if (i == keys.size()) return node;
  const json::object& o = node->as_object();
  if (IsIndex(keys[i])) {
    if (const json::value* items = o.if_contains("items")) {
      if (const json::value* r = SchemaAt(doc, *items, keys, i + 1)) return r;
    }
  } else if (const json::value* props = o.if_contains("properties");
             props != nullptr && props->is_object()) {
    if (const json::value* p = props->as_object().if_contains(keys[i])) {
      if (const json::value* r = SchemaAt(doc, *p, keys, i + 1)) return r;
    }
  }
  for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
    const json::value* list = o.if_contains(combinator);
    if (list == nullptr || !list->is_array()) continue;
    for (const json::value& sub : list->as_array()) {
      if (const json::value* r = SchemaAt(doc, sub, keys, i)) {
        // Only a branch that knows the key counts.
        if (i + 1 <= keys.size()) return r;
      }
    }
  }
  return nullptr;
}

std::string Article(std::string_view type) {
  if (type == "object" || type == "array" || type == "integer") return "an " + std::string(type);
  if (type == "null") return "null";
  return "a " + std::string(type);
}

std::string TypeMessage(const json::value* node) {
  if (node == nullptr || !node->is_object()) return "has the wrong type";
  const json::value* type = node->as_object().if_contains("type");
  if (type == nullptr) return "has the wrong type";
  std::vector<std::string> names;
  if (type->is_string()) {
    names.push_back(Article(type->as_string()));
  } else if (type->is_array()) {
    for (const json::value& t : type->as_array()) {
      if (t.is_string()) names.push_back(Article(t.as_string()));
    }
  }
  if (names.empty()) return "has the wrong type";
  std::string out = "must be " + names[0];
  for (std::size_t i = 1; i < names.size(); ++i) {
    out += (i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return out;
}

std::string EnumMessage(const json::value* node) {
  const json::value* values =
      node != nullptr && node->is_object() ? node->as_object().if_contains("enum") : nullptr;
  if (values == nullptr || !values->is_array()) return "is not an allowed value";
  std::string out = "must be one of ";
  bool first = true;
  for (const json::value& v : values->as_array()) {
    if (!first) out += ", ";
    first = false;
    out += v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }
  return out;
}

std::string QuotedTail(std::string_view description) {
  const std::size_t end = description.rfind('\'');
  if (end == std::string_view::npos || end == 0) return {};
  const std::size_t start = description.rfind('\'', end - 1);
  if (start == std::string_view::npos) return {};
  return std::string(description.substr(start + 1, end - start - 1));
}

// One message for the first (innermost) error valijson reported.
std::string DescribeError(const json::value& doc, const json::value& schema,
                          const valijson::ValidationResults::Error& error) {
  std::vector<std::string> keys = ContextKeys(error.context);
  const std::string& d = error.description;
  std::string reason;
  if (d.rfind("Missing required property", 0) == 0) {
    keys.push_back(QuotedTail(d));
    reason = "is required";
  } else if (d.find("could not be validated using 'properties' or 'additionalProperties'") !=
             std::string::npos) {
    keys.push_back(QuotedTail(d));
    reason = "is not a known field";
  } else if (d.find("'type' constraint") != std::string::npos) {
    const json::value* node = SchemaAt(doc, schema, keys);
    if (keys.empty()) {
      std::string t = TypeMessage(node);
      return t == "must be an object" ? "the body must be a JSON object" : "the body " + t;
    }
    reason = TypeMessage(node);
  } else if (d.find("enum") != std::string::npos) {
    reason = EnumMessage(SchemaAt(doc, schema, keys));
  } else {
    reason = d;
    if (!reason.empty() && reason.back() == '.') reason.pop_back();
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  const std::string path = FieldPath(keys);
  return path.empty() ? reason : path + ": " + reason;
}

// Runs `compiled` on `value`; empty when valid, else the errors, innermost first.
std::vector<valijson::ValidationResults::Error> Run(const OpenApiSpec::Operation::Compiled& compiled,
                                                    const json::value& value) {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  valijson::adapters::BoostJsonAdapter target(value);
  std::vector<valijson::ValidationResults::Error> errors;
  if (validator.validate(*compiled.schema, target, &results)) return errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) errors.push_back(e);
  if (errors.empty()) errors.push_back({{}, "does not match the schema"});
  return errors;
}

// valijson follows each specific error with "Failed to validate ..." entries for the enclosing
// property, item or allOf branch; those add nothing to the message.
bool IsGenericFailure(const std::string& d) { return d.rfind("Failed to validate", 0) == 0; }

}  // namespace

Result<std::shared_ptr<const OpenApiSpec>> OpenApiSpec::Parse(std::string_view json_text) {
  std::shared_ptr<OpenApiSpec> spec(new OpenApiSpec());
  spec->text_ = std::string(json_text);
  boost::system::error_code ec;
  spec->doc_ = json::parse(spec->text_, ec);
  if (ec || !spec->doc_.is_object()) return InvalidArgument("openapi: not a JSON object");
  const json::value* paths = spec->doc_.as_object().if_contains("paths");
  if (paths == nullptr || !paths->is_object()) return InvalidArgument("openapi: no paths");
  const json::value& doc = spec->doc_;
  // Every compiled schema carries the components for its $refs; their formats are taken over once.
  json::value components;
  if (const json::value* c = doc.as_object().if_contains("components")) {
    components = *c;
    TakeOverDateFormats(components);
  }

  for (const auto& [path, item] : paths->as_object()) {
    spec->templates_.emplace_back(path);
    if (!item.is_object()) continue;
    for (const char* method : kMethods) {
      const json::value* op_json = item.as_object().if_contains(method);
      if (op_json == nullptr || !op_json->is_object()) continue;
      const std::string where = Upper(method) + " " + std::string(path);
      auto op = std::make_unique<Operation>();
      if (const json::value* body = Deref(doc, op_json->as_object().if_contains("requestBody"))) {
        if (const json::value* req = body->as_object().if_contains("required")) {
          op->request_required = req->is_bool() && req->as_bool();
        }
        boost::system::error_code pec;
        if (const json::value* schema = body->find_pointer("/content/application~1json/schema", pec)) {
          CLV_ASSIGN_OR_RETURN(op->request, Compile(components, *schema, where + " request"));
        }
      }
      if (const json::value* responses = op_json->as_object().if_contains("responses");
          responses != nullptr && responses->is_object()) {
        for (const auto& [status, response_ref] : responses->as_object()) {
          Operation::ResponseSpec rs;
          const json::value* response = Deref(doc, &response_ref);
          const json::value* content =
              response != nullptr && response->is_object() ? response->as_object().if_contains("content")
                                                           : nullptr;
          if (content != nullptr && content->is_object()) {
            for (const auto& [media, media_obj] : content->as_object()) {
              rs.media_types.emplace_back(media);
              if (media == "application/json" && media_obj.is_object()) {
                if (const json::value* schema = media_obj.as_object().if_contains("schema")) {
                  CLV_ASSIGN_OR_RETURN(rs.json, Compile(components, *schema,
                                                        where + " response " + std::string(status)));
                }
              }
            }
          }
          op->responses.emplace(std::string(status), std::move(rs));
        }
      }
      spec->operations_.emplace(where, std::move(op));
    }
  }
  spec->error_envelope_ = std::make_unique<Operation>();
  Operation::ResponseSpec error_spec;
  error_spec.media_types.push_back("application/json");
  CLV_ASSIGN_OR_RETURN(
      error_spec.json,
      Compile(components, json::object{{"$ref", "#/components/schemas/Error"}}, "Error"));
  spec->error_envelope_->responses.emplace("default", std::move(error_spec));
  return std::shared_ptr<const OpenApiSpec>(std::move(spec));
}

Result<std::shared_ptr<const OpenApiSpec>> OpenApiSpec::Embedded() {
  static const Result<std::shared_ptr<const OpenApiSpec>> spec = [] {
    Result<std::shared_ptr<const OpenApiSpec>> r = Parse(EmbeddedOpenApiJson());
    if (!r.ok()) return Result<std::shared_ptr<const OpenApiSpec>>(Internal(r.status().message()));
    return r;
  }();
  return spec;
}

std::optional<std::string> OpenApiSpec::MatchPath(std::string_view path) const {
  const std::vector<std::string_view> parts = Segments(path);
  const std::string* best = nullptr;
  std::vector<int> best_key;
  for (const std::string& t : templates_) {
    const std::vector<std::string_view> tparts = Segments(t);
    if (tparts.size() != parts.size()) continue;
    std::vector<int> key;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const bool param = tparts[i].size() >= 2 && tparts[i].front() == '{' && tparts[i].back() == '}';
      if (param) {
        ok = !parts[i].empty();
        key.push_back(1);
      } else {
        ok = tparts[i] == parts[i];
        key.push_back(0);
      }
    }
    if (ok && (best == nullptr || key < best_key)) {
      best = &t;
      best_key = std::move(key);
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

const OpenApiSpec::Operation* OpenApiSpec::FindOperation(std::string_view method,
                                                         std::string_view template_path) const {
  std::string key = Upper(method);
  if (key == "HEAD") key = "GET";
  key += ' ';
  key += template_path;
  auto it = operations_.find(key);
  return it == operations_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpenApiSpec::OperationKeys() const {
  std::vector<std::string> keys;
  for (const auto& [key, op] : operations_) keys.push_back(key);
  return keys;
}

bool OpenApiSpec::HasJsonRequestBody(std::string_view method, std::string_view template_path,
                                     bool* required) const {
  const Operation* op = FindOperation(method, template_path);
  if (op == nullptr || op->request == nullptr) return false;
  if (required != nullptr) *required = op->request_required;
  return true;
}

Status OpenApiSpec::ValidateRequest(std::string_view method, std::string_view template_path,
                                    const boost::json::value& body) const {
  const Operation* op = FindOperation(method, template_path);
  if (op == nullptr || op->request == nullptr) return Status::Ok();
  std::vector<valijson::ValidationResults::Error> errors = Run(*op->request, body);
  if (errors.empty()) return Status::Ok();
  // The innermost specific error explains the failure; the "Failed to validate ..." entries
  // that follow it only repeat where it happened.
  const valijson::ValidationResults::Error* chosen = &errors.front();
  for (const auto& e : errors) {
    if (!IsGenericFailure(e.description)) {
      chosen = &e;
      break;
    }
  }
  return InvalidArgument(DescribeError(doc_, op->request->source, *chosen));
}

Status OpenApiSpec::ValidateResponse(std::string_view method, std::string_view path, int status,
                                     std::string_view content_type, std::string_view body) const {
  const std::string what = Upper(method) + " " + std::string(path) + " → " + std::to_string(status);
  const std::string_view media = MediaTypeOf(content_type);
  const bool is_json = media == "application/json";
  std::optional<std::string> template_path = MatchPath(path);
  const Operation* op = template_path ? FindOperation(method, *template_path) : nullptr;

  const Operation::ResponseSpec* rs = nullptr;
  if (op != nullptr) {
    const std::string code = std::to_string(status);
    const std::string range = code.substr(0, 1) + "XX";
    for (const std::string& k : {code, range, std::string("default")}) {
      auto it = op->responses.find(k);
      if (it != op->responses.end()) {
        rs = &it->second;
        break;
      }
    }
  }
  if (rs == nullptr) {
    if (status >= 200 && status < 300 && (op != nullptr || is_json)) {
      return FailedPrecondition(what + ": status not documented in the OpenAPI document");
    }
    if (status < 400 || !is_json) return Status::Ok();
    rs = &error_envelope_->responses.begin()->second;  // any error: the envelope
  }
  if (body.empty() && (status == 204 || status == 304 || Upper(method) == "HEAD")) return Status::Ok();
  if (rs->media_types.empty()) {
    if (body.empty()) return Status::Ok();
    return FailedPrecondition(what + ": has a body (" + std::string(media) +
                              ") but the document declares none");
  }
  bool declared = false;
  for (const std::string& m : rs->media_types) declared = declared || m == media;
  if (!declared) {
    return FailedPrecondition(what + ": content type '" + std::string(media) +
                              "' is not declared for this response");
  }
  if (!is_json || rs->json == nullptr) return Status::Ok();
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return FailedPrecondition(what + ": body is not JSON: " + ec.message());
  std::vector<valijson::ValidationResults::Error> errors = Run(*rs->json, value);
  if (errors.empty()) return Status::Ok();
  std::string message = what + ": body does not match the schema:";
  std::size_t shown = 0;
  for (const auto& e : errors) {
    if (IsGenericFailure(e.description)) continue;
    if (++shown > 5) break;
    message += "\n  " + DescribeError(doc_, rs->json->source, e);
  }
  if (shown == 0) message += "\n  " + errors.front().description;
  return FailedPrecondition(message);
}

// ---- middleware -------------------------------------------------------------------------------

Middleware RequestValidation(std::shared_ptr<const OpenApiSpec> spec) {
  return [spec = std::move(spec)](Request& request, const Handler& next) -> Response {
    if (request.method != Method::kPost && request.method != Method::kPut &&
        request.method != Method::kPatch) {
      return next(request);
    }
    if (!HasMediaType(request, "application/json")) return next(request);
    std::optional<std::string> template_path = spec->MatchPath(request.path);
    bool required = false;
    if (!template_path ||
        !spec->HasJsonRequestBody(request.method_name, *template_path, &required)) {
      return next(request);
    }
    if (request.body.empty() && !required) return next(request);
    Response error;
    std::optional<boost::json::value> body = ParseJsonBody(request, &error);
    if (!body) return error;
    Status s = spec->ValidateRequest(request.method_name, *template_path, *body);
    if (!s.ok()) return Response::Error(400, "invalid_argument", s.message());
    return next(request);
  };
}

// ---- /openapi.json and /docs -------------------------------------------------------------------

namespace {

constexpr std::string_view kDocsIndex = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CLV Tracker API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/clv-docs.js"></script>
</body>
</html>
)html";

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
constexpr std::string_view kDocsInit = R"js(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
)js";

constexpr std::string_view kDocsMissing = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CLV Tracker API</title></head>
<body><p>Swagger UI is not installed on this server (run <code>scripts/setup.sh</code>, which
runs <code>npm ci</code> in api/docs-ui). The API description is at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>
)html";

// Swagger UI styles elements inline and embeds data: images; everything else is same-origin.
constexpr std::string_view kDocsCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

}  // namespace

std::string RegisterOpenApiRoutes(Router& router, DocsOptions options) {
  std::shared_ptr<const OpenApiSpec> spec = std::move(options.spec);
  router.Get("/openapi.json", [spec](Request&) {
    Response r = Response::JsonText(200, spec->text());
    r.headers.Set("Cache-Control", "no-cache");
    return r;
  }, Public());

  std::shared_ptr<const StaticFiles> files;
  std::string warning;
  std::error_code ec;
  if (std::filesystem::is_regular_file(options.ui_dir / "swagger-ui-bundle.js", ec)) {
    StaticFileOptions static_options;
    static_options.root = options.ui_dir;
    static_options.prefix = "/docs";
    static_options.spa_fallback = false;
    static_options.immutable_dir = "";
    Result<std::shared_ptr<const StaticFiles>> opened = StaticFiles::Open(static_options);
    if (opened.ok()) files = *opened;
  }
  if (files == nullptr) {
    warning = "Swagger UI is not installed (" + options.ui_dir.string() +
              " is missing; scripts/setup.sh runs npm ci in api/docs-ui); /docs shows a note";
  }

  router.Get("/docs", [](Request&) { return Response::Redirect(301, "/docs/"); }, Public());
  router.Get("/docs/*file", [files](Request& request) {
    const std::string_view file = request.PathParam("file").value_or("");
    if (file.empty() || file == "index.html") {
      Response r = Response::Text(files ? 200 : 503, std::string(files ? kDocsIndex : kDocsMissing),
                                  "text/html; charset=utf-8");
      r.headers.Set("Content-Security-Policy", std::string(kDocsCsp));
      r.headers.Set("Cache-Control", "no-cache");
      return r;
    }
    if (file == "clv-docs.js") {
      Response r = Response::Text(200, std::string(kDocsInit), "text/javascript; charset=utf-8");
      r.headers.Set("Cache-Control", "no-cache");
      return r;
    }
    if (files == nullptr) return Response::Error(404, "not_found", "Swagger UI is not installed");
    return files->Serve(request, file);
  }, Public());
  return warning;
}

}  // namespace clv::http
