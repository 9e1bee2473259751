#include "engine/models/purchase_model.h"

#include <array>
#include <cmath>
#include <string>

#include "engine/models/bg_nbd.h"
#include "engine/models/pareto_nbd.h"

namespace clv::engine {
namespace {

// The registry: one row per model. To add a model, add a row with its fit and make functions.
struct ModelEntry {
  std::string_view name;
  std::size_t num_params;
  Result<PurchaseFit> (*fit)(const RfmData&, const FitOptions&);
  Result<std::unique_ptr<PurchaseModel>> (*make)(std::span<const double>);
};

template <BetaGeoVariant kVariant>
Result<PurchaseFit> FitBetaGeoEntry(const RfmData& data, const FitOptions& options) {
  Result<BetaGeoFit> fit = FitBetaGeo(kVariant, data, options);
  if (!fit.ok()) return fit.status();
  return PurchaseFit{std::make_unique<BetaGeoModel>(fit->model), std::move(fit->mle)};
}

template <BetaGeoVariant kVariant>
Result<std::unique_ptr<PurchaseModel>> MakeBetaGeoEntry(std::span<const double> p) {
  const BetaGeoParams params{p[0], p[1], p[2], p[3]};
  CLV_RETURN_IF_ERROR(ValidateBetaGeoParams(params));
  return std::unique_ptr<PurchaseModel>(std::make_unique<BetaGeoModel>(kVariant, params));
}

Result<PurchaseFit> FitParetoNbdEntry(const RfmData& data, const FitOptions& options) {
  Result<MleResult> mle = FitParetoNbd(data, options);
  if (!mle.ok()) return mle.status();
  Result<std::unique_ptr<PurchaseModel>> model = MakeParetoNbdModel(mle->params);
  if (!model.ok()) return model.status();
  return PurchaseFit{std::move(*model), std::move(*mle)};
}

constexpr std::array<ModelEntry, 3> kModels = {{
    {"bgnbd", 4, &FitBetaGeoEntry<BetaGeoVariant::kBgNbd>,
     &MakeBetaGeoEntry<BetaGeoVariant::kBgNbd>},
    {"mbgnbd", 4, &FitBetaGeoEntry<BetaGeoVariant::kMbgNbd>,
     &MakeBetaGeoEntry<BetaGeoVariant::kMbgNbd>},
    {"pnbd", 4, &FitParetoNbdEntry, &MakeParetoNbdModel},
}};

const ModelEntry* Find(std::string_view name) {
  for (const ModelEntry& e : kModels)
    if (e.name == name) return &e;
  return nullptr;
}

Status UnknownModel(std::string_view name) {
  std::string known;
  for (const ModelEntry& e : kModels) known += (known.empty() ? "" : ", ") + std::string(e.name);
  return InvalidArgument("unknown purchase model '" + std::string(name) + "' (known: " + known +
                         ")");
}

}  // namespace

void PurchaseModel::ProbabilityAliveRows(std::span<const double> x, std::span<const double> t_x,
                                         std::span<const double> T, std::span<double> out) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = ProbabilityAlive(x[i], t_x[i], T[i]);
}

bool IsPurchaseModel(std::string_view name) { return Find(name) != nullptr; }

Result<PurchaseFit> FitPurchaseModel(std::string_view name, const RfmData& data,
                                     const FitOptions& options) {
  const ModelEntry* e = Find(name);
  if (!e) return UnknownModel(name);
  return e->fit(data, options);
}

Result<std::unique_ptr<PurchaseModel>> MakePurchaseModel(std::string_view name,
                                                         std::span<const double> params) {
  const ModelEntry* e = Find(name);
  if (!e) return UnknownModel(name);
  if (params.size() != e->num_params) {
    return InvalidArgument(std::string(name) + " takes " + std::to_string(e->num_params) +
                           " parameters, got " + std::to_string(params.size()));
  }
  for (double v : params) {
    if (!(v > 0) || !std::isfinite(v)) {
      return InvalidArgument("model parameters must be positive and finite");
    }
  }
  return e->make(params);
}

}  // namespace clv::engine
