// The application: configuration → store → secrets → services → routes → server, in one object
// that `clv serve` runs and the HTTP integration tests start in-process. The composition root;
// it holds no logic of its own.
//
// Lifetime: Create() opens the store and migrates it (so a fresh ./data/clv.db is usable at
// once) but does not listen; Start() binds; Stop()/Wait() drain requests; destroying the
// Application then closes the store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "security/password.h"
#include "service/accounts.h"
#include "service/jobs.h"
#include "service/orders.h"
#include "storage/store.h"

namespace clv::http {

struct AppOptions {
  Config config;
  const Clock* clock = &SystemClock::Instance();
  // Argon2id cost; tests lower it to libsodium's minimum to stay fast.
  security::Argon2Params argon2 = security::Argon2Params::Interactive();
  // The dashboard's build output, served under /app/; empty or missing: not served.
  std::filesystem::path web_root;
  // swagger-ui-dist's directory, served under /docs/; empty: the one `npm ci` installed in the
  // source tree this binary was built from (api/docs-ui/node_modules/swagger-ui-dist).
  std::filesystem::path docs_ui_dir;
  // Warnings while starting (generated secrets, a missing dashboard build).
  std::function<void(std::string_view)> warn = [](std::string_view) {};
  bool access_log = true;
};

class Application {
 public:
  // Errors: those of OpenStore/Migrate (Unavailable, FailedPrecondition for a newer schema),
  // LoadOrCreateSecrets, and InvalidArgument for bad options.
  static Result<std::unique_ptr<Application>> Create(AppOptions options);
  ~Application();

  Status Start();              // binds CLV_LISTEN
  std::uint16_t port() const;  // the bound port, after Start()
  void Stop();
  void Wait();
  // Start, call `on_listening` with the bound port, wait for SIGINT or SIGTERM, drain.
  // Blocks the two signals in the calling thread before any server thread starts (threads
  // inherit the mask), then waits for them with sigwait, so no handler runs asynchronously.
  Status Run(const std::function<void(std::uint16_t port)>& on_listening = {});

  // True when Create() found an empty database (schema version 0) and created the schema.
  bool created_database() const;

  storage::Store& store();
  service::AccountService& accounts();
  service::OrderService& orders();
  // Background jobs (CLV calculations); its workers run between Start() and Stop().
  service::JobRunner& jobs();

  struct State;

 private:
  explicit Application(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace clv::http
