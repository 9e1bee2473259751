// Store::GetCustomerDetail's default: the four single reads, one after another. Stores with
// round trips to a server override it (PostgreSQL: storage/postgres/pg_customer_detail.cc).
#include <vector>

#include "storage/store.h"

namespace clv::storage {

Result<CustomerDetailRecord> Store::GetCustomerDetail(TenantId tenant, CustomerId customer) {
  CustomerDetailRecord out;
  CLV_ASSIGN_OR_RETURN(out.customer, GetCustomer(tenant, customer));
  Result<ScoredCustomer> scored = GetCustomerScore(tenant, customer);
  if (scored.ok()) {
    out.score = std::move(scored->score);
  } else if (scored.status().code() != StatusCode::kNotFound) {
    return scored.status();
  }
  Result<ModelFitRecord> fit = GetCurrentFitSummary(tenant, {});
  if (fit.ok()) {
    out.fit = std::move(fit).value();
  } else if (fit.status().code() != StatusCode::kNotFound) {
    return fit.status();
  }
  const CustomerId ids[] = {customer};
  CLV_ASSIGN_OR_RETURN(out.rows, AnalysisRowsForCustomers(tenant, ids));
  return out;
}

}  // namespace clv::storage
