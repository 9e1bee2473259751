// MBG/NBD is implemented in bg_nbd.cc (BetaGeoVariant::kMbgNbd); see mbg_nbd.h.
#include "engine/models/mbg_nbd.h"
