// `clv demo`: creates the demo shop (service/demo.h) and prints its login.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/platform.h"
#include "service/demo.h"

namespace clv::cli {
namespace {

int RunDemo(const service::DemoOptions& options) {
  int exit_code = kExitOk;
  std::unique_ptr<http::Application> app = OpenApplication("demo", &exit_code);
  if (!app) return exit_code;
  Result<service::DemoShop> demo =
      service::CreateDemoShop(app->store(), app->accounts(), SystemClock::Instance(), options);
  if (!demo.ok()) return ReportStatus("demo", demo.status());
  std::printf("Created \"%s\" (organization %lld): %lld customers, %lld orders over two years.\n"
              "Sign in as %s / %s\n",
              options.organization.c_str(), static_cast<long long>(demo->tenant.value),
              static_cast<long long>(demo->customers), static_cast<long long>(demo->orders),
              demo->email.c_str(), demo->password.c_str());
  return kExitOk;
}

CommandRunner SetupDemo(CLI::App& cmd) {
  auto options = std::make_shared<service::DemoOptions>();
  cmd.add_option("--customers", options->customers, "Number of customers")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd.add_option("--seed", options->seed, "Random seed (same seed, same shop)")
      ->capture_default_str();
  return [options] { return RunDemo(*options); };
}

}  // namespace

CLV_REGISTER_COMMAND(demo, "Create a demo organization with a realistic synthetic shop",
                     SetupDemo);

}  // namespace clv::cli
