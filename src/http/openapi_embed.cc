// The bytes of api/openapi.json, assembled into the binary with .incbin so that /openapi.json
// works from any working directory, and the swagger-ui-dist location of this source tree.
// CLV_OPENAPI_JSON and CLV_DOCS_UI_DIR are set for this file in src/CMakeLists.txt, which also
// makes it depend on the JSON file (an edit of the document rebuilds it).
#include <filesystem>
#include <string_view>

#include "http/openapi.h"

#ifndef CLV_OPENAPI_JSON
#error "CLV_OPENAPI_JSON (the path of api/openapi.json) must be defined by the build"
#endif
#ifndef CLV_DOCS_UI_DIR
#error "CLV_DOCS_UI_DIR must be defined by the build"
#endif

asm(".section .rodata\n"
    ".balign 16\n"
    "clv_openapi_json_begin:\n"
    ".incbin \"" CLV_OPENAPI_JSON "\"\n"
    "clv_openapi_json_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char clv_openapi_json_begin[];
extern "C" const char clv_openapi_json_end[];

namespace clv::http {

std::string_view EmbeddedOpenApiJson() {
  return std::string_view(clv_openapi_json_begin,
                          static_cast<std::size_t>(clv_openapi_json_end - clv_openapi_json_begin));
}

std::filesystem::path BuiltInDocsUiDir() { return CLV_DOCS_UI_DIR; }

}  // namespace clv::http
