// The OpenAPI document (api/openapi.json, embedded in the binary at build time) as the one
// source of truth for the API's shapes: served at GET /openapi.json, rendered by Swagger UI at
// /docs, used to validate JSON request bodies (valijson, JSON Schema draft 7 — the spec keeps
// to the subset of OpenAPI 3.1 schemas that draft 7 understands), and used by the API tests to
// check every response.
//
// Thread safety: an OpenApiSpec is immutable after Parse(); every member is const and may be
// called concurrently.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/status.h"
#include "http/middleware.h"
#include "http/router.h"

namespace clv::http {

// The bytes of api/openapi.json as they were at build time.
std::string_view EmbeddedOpenApiJson();
// Where scripts/setup.sh's `npm ci` puts swagger-ui-dist (api/docs-ui/node_modules/...),
// as an absolute path of the source tree the binary was built from.
std::filesystem::path BuiltInDocsUiDir();

class OpenApiSpec {
 public:
  // Parses the document and compiles every JSON request and response schema. InvalidArgument
  // for malformed JSON, a missing `paths`, or a schema valijson cannot compile (with the
  // operation and the reason).
  static Result<std::shared_ptr<const OpenApiSpec>> Parse(std::string_view json_text);
  // Parse(EmbeddedOpenApiJson()), once per process. The embedded document is ours: a failure
  // is a build defect, reported as Internal.
  static Result<std::shared_ptr<const OpenApiSpec>> Embedded();
  ~OpenApiSpec();

  const std::string& text() const { return text_; }

  // The spec's path template for a concrete decoded path ("/jobs/7" → "/jobs/{id}"); literal
  // segments win over parameters. nullopt when no template matches.
  std::optional<std::string> MatchPath(std::string_view path) const;

  // Every operation as "METHOD /template", e.g. "GET /jobs/{id}", sorted.
  std::vector<std::string> OperationKeys() const;

  // Whether the operation (method "POST", template path) declares an application/json request
  // body; *required tells whether it may be omitted.
  bool HasJsonRequestBody(std::string_view method, std::string_view template_path,
                          bool* required = nullptr) const;

  // Validates a JSON request body against the operation's schema. OK when valid or when the
  // operation has no JSON body schema; otherwise InvalidArgument with ONE precise message that
  // names the field and the reason: "orders[2].total: must be a string or a number",
  // "email: is required", "period: must be one of day, week, month", "colour: is not a known
  // field".
  Status ValidateRequest(std::string_view method, std::string_view template_path,
                         const boost::json::value& body) const;

  // Checks a response against the document: the operation must exist (for a concrete path);
  // a 2xx status must be declared for it; a JSON body must be JSON and match the schema of its
  // status (or, for an undeclared 4xx/5xx, the Error envelope). FailedPrecondition describing
  // the mismatch otherwise. Non-JSON content types are checked only for being declared.
  Status ValidateResponse(std::string_view method, std::string_view path, int status,
                          std::string_view content_type, std::string_view body) const;

  struct Operation;

 private:
  OpenApiSpec() = default;
  const Operation* FindOperation(std::string_view method, std::string_view template_path) const;

  std::string text_;
  boost::json::value doc_;
  std::vector<std::string> templates_;  // the keys of `paths`
  std::map<std::string, std::unique_ptr<Operation>, std::less<>> operations_;  // "POST /orders"
  std::unique_ptr<Operation> error_envelope_;  // responses["default"] = Error
};

// Middleware: for a request whose route has a JSON request body in the spec and whose
// Content-Type is application/json, parses and validates the body before the handler runs:
// malformed JSON → 400 with line:column (ParseJsonBody), schema violation → 400
// invalid_argument with the spec's precise message. Other requests pass through untouched
// (the handler still answers 415 for a wrong Content-Type).
Middleware RequestValidation(std::shared_ptr<const OpenApiSpec> spec);

struct DocsOptions {
  std::shared_ptr<const OpenApiSpec> spec;
  // swagger-ui-dist's directory; when missing, /docs/ explains how to install it.
  std::filesystem::path ui_dir;
};
// Public routes: GET /openapi.json (the document), GET /docs (→ /docs/), GET /docs/ (the
// Swagger UI page pointing at /openapi.json), GET /docs/*file (the UI's own assets, served
// from ui_dir; no CDN). Returns a warning text when ui_dir is missing, else "".
std::string RegisterOpenApiRoutes(Router& router, DocsOptions options);

}  // namespace clv::http
