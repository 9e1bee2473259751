// MBG/NBD (Batislam, Denizel & Filiztekin 2007) with lifetimes' ModifiedBetaGeoFitter as the
// reference definition. It shares its implementation with BG/NBD (engine/models/bg_nbd.h, where
// the differences are documented); these are the named entry points.
#pragma once

#include "engine/models/bg_nbd.h"

namespace clv::engine {

inline BetaGeoModel MakeMbgNbd(const BetaGeoParams& params) {
  return BetaGeoModel(BetaGeoVariant::kMbgNbd, params);
}

inline Result<BetaGeoFit> FitMbgNbd(const RfmData& data, const FitOptions& options) {
  return FitBetaGeo(BetaGeoVariant::kMbgNbd, data, options);
}

}  // namespace clv::engine
