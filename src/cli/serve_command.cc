// `clv serve`: the platform — API (and the dashboard once built) on CLV_LISTEN.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/platform.h"
#include "http/app.h"
#include "service/demo.h"

namespace clv::cli {
namespace {

struct ServeOptions {
  bool offer_demo = false;
  std::string web_root = "web/dist";
};

// On a database created by this start, offer the demo shop (ask on a terminal; otherwise just
// say how to get it), so that a newcomer's first screen is not empty.
void MaybeOfferDemo(http::Application& app, const ServeOptions& options) {
  if (!options.offer_demo || !app.created_database()) return;
  if (!isatty(STDIN_FILENO)) {
    std::printf("The database is new and empty. For a demo shop with two years of orders, run:\n"
                "  ./build/release/src/clv demo\n");
    return;
  }
  std::printf("The database is new and empty. Create a demo shop with ~5,000 customers and two "
              "years of orders? [Y/n] ");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  if (!answer.empty() && answer[0] != 'y' && answer[0] != 'Y') return;
  Result<service::DemoShop> demo =
      service::CreateDemoShop(app.store(), app.accounts(), SystemClock::Instance());
  if (!demo.ok()) {
    PrintError("serve", "demo shop: " + demo.status().message());
    return;
  }
  std::printf("Created the demo shop: %lld customers, %lld orders.\n",
              static_cast<long long>(demo->customers), static_cast<long long>(demo->orders));
}

// The dashboard's build output: `--web-root` as given when it exists (relative to the working
// directory); otherwise, for the default, web/dist of the source tree the binary was built in
// (build/<preset>/src/clv → ../../../web/dist), so `clv serve` finds it from any directory.
std::string ResolveWebRoot(const std::string& web_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (web_root.empty() || fs::is_directory(web_root, ec) || web_root != "web/dist") return web_root;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return web_root;
  const fs::path candidate = exe.parent_path() / "../../../web/dist";
  return fs::is_directory(candidate, ec) ? fs::weakly_canonical(candidate, ec).string() : web_root;
}

int RunServe(const ServeOptions& options) {
  Result<Config> config = LoadPlatformConfig();
  if (!config.ok()) return ConfigError("serve", config.status());
  SetupLogging(*config);

  http::AppOptions app_options;
  app_options.config = *config;
  app_options.web_root = ResolveWebRoot(options.web_root);
  app_options.warn = [](std::string_view message) { spdlog::warn("{}", message); };
  Result<std::unique_ptr<http::Application>> app = http::Application::Create(app_options);
  if (!app.ok()) return ReportStatus("serve", app.status());
  MaybeOfferDemo(**app, options);

  Status run = (*app)->Run([&](std::uint16_t port) {
    const std::string url = "http://" + config->listen_host + ":" + std::to_string(port);
    std::printf("\nCLV Tracker is running at %s (database: %s)\n", url.c_str(),
                config->database_kind == DatabaseKind::kSqlite ? config->sqlite_path.c_str()
                                                               : "PostgreSQL");
    Result<User> demo = (*app)->store().FindUserByEmail(service::kDemoEmail);
    if (demo.ok()) {
      std::printf("  Sign in as %s / %s (POST %s/auth/login)\n", service::kDemoEmail.data(),
                  service::kDemoPassword.data(), url.c_str());
    } else {
      std::printf("  Create your organization: POST %s/auth/register "
                  "{\"email\", \"password\", \"organization\"}\n", url.c_str());
    }
    std::error_code web_ec;
    if (std::filesystem::is_directory(app_options.web_root, web_ec)) {
      std::printf("  Dashboard: %s/app/\n", url.c_str());
    }
    std::printf("  Health: %s/health   Stop: Ctrl+C\n\n", url.c_str());
    std::fflush(stdout);
  });
  if (!run.ok()) return ReportStatus("serve", run);
  return kExitOk;
}

CommandRunner SetupServe(CLI::App& cmd) {
  auto options = std::make_shared<ServeOptions>();
  cmd.add_flag("--offer-demo", options->offer_demo,
               "On a newly created database, offer to create the demo shop");
  cmd.add_option("--web-root", options->web_root,
                 "Directory of the built dashboard, served under /app/")
      ->capture_default_str();
  cmd.footer("Configuration comes from the environment and ./.env (see .env.example).");
  return [options] { return RunServe(*options); };
}

}  // namespace

CLV_REGISTER_COMMAND(serve, "Run the platform: the HTTP API on CLV_LISTEN", SetupServe);

}  // namespace clv::cli
