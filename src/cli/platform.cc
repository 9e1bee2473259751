#include "cli/platform.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

#include "cli/commands.h"

namespace clv::cli {
namespace {

// `%*` in JSON mode: a message that is already a JSON object (the access log's lines) becomes
// the "event" member; any other message is escaped into "msg". So every line is one JSON value.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      Append(dest, "\"event\":");
      Append(dest, text);
      return;
    }
    Append(dest, "\"msg\":\"");
    for (char c : text) {
      switch (c) {
        case '"': Append(dest, "\\\""); break;
        case '\\': Append(dest, "\\\\"); break;
        case '\n': Append(dest, "\\n"); break;
        case '\r': Append(dest, "\\r"); break;
        case '\t': Append(dest, "\\t"); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            Append(dest, buf);
          } else {
            dest.push_back(c);
          }
      }
    }
    dest.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }

 private:
  static void Append(spdlog::memory_buf_t& dest, std::string_view s) {
    dest.append(s.data(), s.data() + s.size());
  }
};

}  // namespace

Result<Config> LoadPlatformConfig() {
  CLV_ASSIGN_OR_RETURN(Environment env, LoadEnvironment(ProcessEnvironment(), ".env"));
  return LoadConfig(env);
}

void SetupLogging(const Config& config) {
  auto logger = std::make_shared<spdlog::logger>(
      "clv", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (config.log_format == LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%*})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  switch (config.log_level) {
    case LogLevel::kTrace: logger->set_level(spdlog::level::trace); break;
    case LogLevel::kDebug: logger->set_level(spdlog::level::debug); break;
    case LogLevel::kInfo: logger->set_level(spdlog::level::info); break;
    case LogLevel::kWarn: logger->set_level(spdlog::level::warn); break;
    case LogLevel::kError: logger->set_level(spdlog::level::err); break;
  }
  spdlog::set_default_logger(logger);
}

Result<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config) {
  storage::StoreOptions options;
  options.pool_size = config.pg_pool_size;
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                       storage::OpenStore(config.database_url, options));
  CLV_RETURN_IF_ERROR(store->Migrate());
  return store;
}

std::unique_ptr<http::Application> OpenApplication(std::string_view command, int* exit_code) {
  Result<Config> config = LoadPlatformConfig();
  if (!config.ok()) {
    *exit_code = ConfigError(command, config.status());
    return nullptr;
  }
  SetupLogging(*config);
  http::AppOptions options;
  options.config = *config;
  options.warn = [](std::string_view message) { spdlog::warn("{}", message); };
  Result<std::unique_ptr<http::Application>> app = http::Application::Create(options);
  if (!app.ok()) {
    *exit_code = ReportStatus(command, app.status());
    return nullptr;
  }
  *exit_code = kExitOk;
  return std::move(app).value();
}

int ConfigError(std::string_view command, const Status& status) {
  PrintError(command, "configuration: " + status.message());
  return kExitConfig;
}

}  // namespace clv::cli
