// Store::GetCustomerDetail's default: the four single reads, one after another. Stores with
// round trips to a server override it (PostgreSQL: storage/postgres/pg_customer_detail.cc).
#include <algorithm>
#include <memory>
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
    out.fit = std::make_shared<const ModelFitRecord>(std::move(fit).value());
  } else if (fit.status().code() != StatusCode::kNotFound) {
    return fit.status();
  }
  const CustomerId ids[] = {customer};
  CLV_ASSIGN_OR_RETURN(out.rows, AnalysisRowsForCustomers(tenant, ids));
  return out;
}

Result<std::vector<CustomerDetailRecord>> Store::GetCustomerDetails(
    TenantId tenant, std::span<const CustomerId> customers) {
  std::vector<CustomerId> ids(customers.begin(), customers.end());
  std::sort(ids.begin(), ids.end(), [](CustomerId a, CustomerId b) { return a.value < b.value; });
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<CustomerDetailRecord> out;
  out.reserve(ids.size());
  for (CustomerId id : ids) {
    Result<CustomerDetailRecord> d = GetCustomerDetail(tenant, id);
    if (d.ok()) {
      out.push_back(std::move(d).value());
    } else if (d.status().code() != StatusCode::kNotFound) {
      return d.status();
    }
  }
  return out;
}

}  // namespace clv::storage
