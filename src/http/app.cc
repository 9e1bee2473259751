#include "http/app.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include <thread>
#include <utility>
#include <vector>

#include "http/auth.h"
#include "http/handlers/auth_handlers.h"
#include "http/handlers/clv_handlers.h"
#include "http/handlers/health.h"
#include "http/handlers/job_handlers.h"
#include "http/handlers/model_handlers.h"
#include "http/handlers/order_handlers.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static_files.h"
#include "security/jwt.h"
#include "security/permissions.h"
#include "security/secrets.h"
#include "security/token_cache.h"
#include "service/redis.h"
#include "service/clv_job.h"
#include "service/model_service.h"
#include "service/scoring.h"

namespace clv::http {
namespace {

constexpr std::string_view kVersion = "0.1.0";

// Bearer token → caller, by verifying the HS256 access token. Stateless: nothing is looked up,
// so any instance behind a load balancer can answer. Tokens already verified are remembered
// (security/token_cache.h: same answers as Verify, without the HMAC and parsing per request).
class JwtAuthenticator final : public Authenticator {
 public:
  JwtAuthenticator(const security::JwtCodec& codec, const Clock& clock)
      : tokens_(codec), clock_(clock) {}

  Result<AuthContext> Authenticate(std::string_view bearer_token) override {
    CLV_ASSIGN_OR_RETURN(security::AccessClaims claims, tokens_.Verify(bearer_token, clock_.Now()));
    return AuthContext{claims.tenant, claims.user, claims.role};
  }

 private:
  security::VerifiedTokenCache tokens_;
  const Clock& clock_;
};

bool CheckPermission(Role role, std::string_view name) {
  std::optional<security::Permission> permission = security::ParsePermission(name);
  return permission.has_value() && security::Allows(role, *permission);
}

}  // namespace

struct Application::State {
  AppOptions options;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<security::JwtCodec> jwt;
  std::unique_ptr<security::PasswordHasher> hasher;
  std::unique_ptr<service::AccountService> accounts;
  std::unique_ptr<service::OrderService> orders;
  std::unique_ptr<service::ClvQueryService> clv_queries;
  std::unique_ptr<service::IncrementalScorer> scorer;
  std::unique_ptr<service::JobRunner> jobs;
  std::unique_ptr<service::ModelService> models;
  std::unique_ptr<Server> server;
  bool created_database = false;
  // Last: unregistered before the server and the store they read are destroyed.
  metrics::Registry::GaugeHandle open_connections_gauge;
  std::vector<metrics::Registry::GaugeHandle> pool_gauges;
};

Application::Application(std::unique_ptr<State> state) : state_(std::move(state)) {}

Application::~Application() {
  if (state_->server) {
    state_->server->Stop();
    state_->server->Wait();
  }
  if (state_->jobs) state_->jobs->Stop();
}

Result<std::unique_ptr<Application>> Application::Create(AppOptions options) {
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  const Config& config = state->options.config;

  storage::StoreOptions store_options;
  store_options.pool_size = config.pg_pool_size;
  CLV_ASSIGN_OR_RETURN(state->store, storage::OpenStore(config.database_url, store_options));
  CLV_ASSIGN_OR_RETURN(int version_before, state->store->SchemaVersion());
  CLV_RETURN_IF_ERROR(state->store->Migrate());
  state->created_database = version_before == 0;

  CLV_ASSIGN_OR_RETURN(security::Secrets secrets,
                       security::LoadOrCreateSecrets(config, state->options.warn));
  security::JwtOptions jwt_options;
  jwt_options.lifetime_s = config.access_token_ttl_seconds;
  CLV_ASSIGN_OR_RETURN(security::JwtCodec codec,
                       security::JwtCodec::Create(secrets.jwt_secret, jwt_options));
  state->jwt = std::make_unique<security::JwtCodec>(std::move(codec));
  state->hasher = std::make_unique<security::PasswordHasher>(state->options.argon2);

  const Clock& clock = *state->options.clock;
  service::AccountOptions account_options;
  account_options.refresh_token_ttl_s = std::int64_t{config.refresh_token_ttl_days} * 24 * 3600;
  state->accounts = std::make_unique<service::AccountService>(*state->store, *state->jwt,
                                                              *state->hasher, clock, account_options);
  service::JobRunnerOptions job_options;
  // SQLite has one writer: one worker (more would only queue on the write lock).
  job_options.workers = config.database_kind == DatabaseKind::kSqlite ? 1 : config.job_workers;
  job_options.lease_seconds = config.job_lease_seconds;
  job_options.refit_interval_hours = config.refit_interval_hours;
  job_options.refit_sweep_minutes = config.refit_sweep_minutes;
  state->jobs = std::make_unique<service::JobRunner>(*state->store, clock, job_options);
  {
    storage::Store* job_store = state->store.get();
    const Clock* job_clock = &clock;
    state->jobs->Register(std::string(service::kClvCalculateJob),
                          [job_store, job_clock](const storage::Job& job,
                                                 const std::function<void(double, std::string_view)>& progress,
                                                 const std::atomic<bool>& cancelled) {
                            return service::RunCalculationJob(*job_store, *job_clock, job.tenant, job.id,
                                                              job.params_json, progress, &cancelled);
                          });
  }
  state->scorer = std::make_unique<service::IncrementalScorer>(*state->store, clock);
  service::IncrementalScorer* scorer = state->scorer.get();
  service::JobRunner* job_runner = state->jobs.get();
  // After orders are stored: rescore their customers with the current fit, and queue a refit
  // when the fit is older than CLV_REFIT_INTERVAL_HOURS. Failures are logged, never the
  // request's: the orders are committed.
  state->orders = std::make_unique<service::OrderService>(
      *state->store, clock,
      [scorer, job_runner](TenantId tenant, const std::vector<CustomerId>& customers) {
        Result<service::RescoreSummary> r = scorer->Rescore(tenant, customers);
        if (!r.ok()) {
          spdlog::warn("tenant {}: rescoring {} customers failed: {}", tenant.value, customers.size(),
                       r.status().ToString());
        } else if (r->skipped_too_many) {
          spdlog::info("tenant {}: {} customers changed; scores wait for the next refit", tenant.value,
                       customers.size());
        }
        Result<bool> refit = job_runner->MaybeScheduleRefit(tenant);
        if (!refit.ok()) spdlog::warn("tenant {}: scheduling a refit failed: {}", tenant.value, refit.status().ToString());
      });

  Router router;
  HealthOptions health;
  health.version = std::string(kVersion);
  storage::Store* store = state->store.get();
  health.database = [store] { return store->Ping(); };
  if (config.redis) {
    RedisAddress redis = *config.redis;
    health.redis = [redis] { return service::PingRedis(redis); };
  }
  RegisterHealthRoutes(router, std::move(health));
  RegisterAuthRoutes(router, *state->accounts);
  RegisterOrderRoutes(router, *state->orders);
  state->clv_queries = std::make_unique<service::ClvQueryService>(*state->store, clock);
  RegisterClvRoutes(router, *state->clv_queries);
  state->models = std::make_unique<service::ModelService>(*state->store, *state->jobs);
  RegisterJobRoutes(router, *state->models);
  RegisterModelRoutes(router, *state->models);
  CLV_ASSIGN_OR_RETURN(std::shared_ptr<const OpenApiSpec> spec, OpenApiSpec::Embedded());
  DocsOptions docs;
  docs.spec = spec;
  docs.ui_dir = state->options.docs_ui_dir.empty() ? BuiltInDocsUiDir() : state->options.docs_ui_dir;
  if (std::string warning = RegisterOpenApiRoutes(router, std::move(docs)); !warning.empty()) {
    state->options.warn(warning);
  }
  RegisterMetricsRoute(router, metrics::Global());

  const std::filesystem::path& web_root = state->options.web_root;
  std::error_code ec;
  if (!web_root.empty() && std::filesystem::is_directory(web_root, ec)) {
    StaticFileOptions static_options;
    static_options.root = web_root;
    CLV_ASSIGN_OR_RETURN(std::shared_ptr<const StaticFiles> files,
                         StaticFiles::Open(static_options));
    RegisterStaticFiles(router, std::move(files));
  } else if (!web_root.empty()) {
    state->options.warn("the dashboard is not built (" + web_root.string() +
                        " is missing); the API is served without it");
  }

  ServerOptions server_options;
  server_options.listen = config.listen_host.find(':') != std::string::npos
                              ? "[" + config.listen_host + "]:" + std::to_string(config.listen_port)
                              : config.listen_host + ":" + std::to_string(config.listen_port);
  server_options.io_threads = static_cast<std::size_t>(config.io_threads);
  server_options.worker_threads = static_cast<std::size_t>(config.worker_threads);
  server_options.body_limit_bytes = static_cast<std::size_t>(config.max_body_bytes);
  server_options.authenticator = std::make_shared<JwtAuthenticator>(*state->jwt, clock);
  server_options.permissions = CheckPermission;
  server_options.log_format =
      config.log_format == clv::LogFormat::kJson ? http::LogFormat::kJson : http::LogFormat::kText;
  server_options.access_log = state->options.access_log;
  server_options.middleware.push_back(RequestValidation(spec));
  server_options.on_response = RequestMetricsObserver(metrics::Global());
  state->server = std::make_unique<Server>(std::move(server_options), std::move(router));
  Server* server = state->server.get();
  state->open_connections_gauge = metrics::Global().Gauge(
      "clv_http_open_connections", "Open client connections.",
      [server] { return static_cast<double>(server->open_connections()); });
  // The store's connection pool (storage::PoolStats), read at every scrape.
  using Field = double (*)(const storage::PoolStats&);
  const struct {
    const char* name;
    const char* help;
    bool counter;
    Field read;
  } pool_series[] = {
      {"clv_store_pool_connections_max", "Most database connections the store's pool may hold.",
       false, [](const storage::PoolStats& p) { return double(p.capacity); }},
      {"clv_store_pool_connections_open", "Database connections open now.", false,
       [](const storage::PoolStats& p) { return double(p.open); }},
      {"clv_store_pool_connections_in_use", "Database connections handed to a call now.", false,
       [](const storage::PoolStats& p) { return double(p.in_use); }},
      {"clv_store_pool_connections_idle", "Database connections open and free now.", false,
       [](const storage::PoolStats& p) { return double(p.idle); }},
      {"clv_store_pool_waits_total", "Calls that found no free database connection and waited.",
       true, [](const storage::PoolStats& p) { return double(p.waits); }},
      {"clv_store_pool_wait_timeouts_total",
       "Waits for a database connection that gave up (the call answered 503).", true,
       [](const storage::PoolStats& p) { return double(p.wait_timeouts); }},
      {"clv_store_pool_wait_seconds_total", "Total time spent waiting for a database connection.",
       true, [](const storage::PoolStats& p) { return p.wait_seconds; }},
  };
  for (const auto& series : pool_series) {
    metrics::GaugeFn read = [store, f = series.read] { return f(store->GetPoolStats()); };
    state->pool_gauges.push_back(
        series.counter ? metrics::Global().ObservedCounter(series.name, series.help, std::move(read))
                       : metrics::Global().Gauge(series.name, series.help, std::move(read)));
  }
  return std::unique_ptr<Application>(new Application(std::move(state)));
}

Status Application::Start() {
  CLV_RETURN_IF_ERROR(state_->server->Start());
  state_->jobs->Start();
  return Status::Ok();
}
std::uint16_t Application::port() const { return state_->server->port(); }
void Application::Stop() {
  state_->server->Stop();
  state_->jobs->Stop();
}
void Application::Wait() { state_->server->Wait(); }
bool Application::created_database() const { return state_->created_database; }

Status Application::Run(const std::function<void(std::uint16_t port)>& on_listening) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  state_->hasher->PrepareDummy();  // before the first login can arrive
  CLV_RETURN_IF_ERROR(state_->server->Start());
  state_->jobs->Start();
  if (on_listening) on_listening(state_->server->port());
  int signo = 0;
  sigwait(&signals, &signo);
  spdlog::info("received {}; finishing requests in flight", signo == SIGINT ? "SIGINT" : "SIGTERM");
  state_->server->Stop();
  state_->server->Wait();
  state_->jobs->Stop();
  return Status::Ok();
}
storage::Store& Application::store() { return *state_->store; }
service::AccountService& Application::accounts() { return *state_->accounts; }
service::OrderService& Application::orders() { return *state_->orders; }
service::JobRunner& Application::jobs() { return *state_->jobs; }

}  // namespace clv::http
