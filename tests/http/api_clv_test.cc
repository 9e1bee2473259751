// The analytics read endpoints end to end on SQLite and PostgreSQL (GET /clv/customers, /:id,
// /clv/segments, /clv/churn, /clv/cohorts): a real calculation of a synthetic shop stored as
// the tenant's current fit, then every endpoint through a real socket — consistency (segment
// and tier counts add up to the customer total, churn ordering, cohort sums equal the order
// log), complete duplicate-free paging for every sort, the CSV export of every row, bad
// parameters 400 with the envelope, unknown ids 404, tenant isolation and the viewer role.
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/api_testlib.h"
#include "http/handlers/clv_handlers.h"
#include "service/clv_queries_fixture.h"

namespace clv::http::apitest {
namespace {

namespace json = boost::json;

std::int64_t Int(const json::value& v) { return v.as_int64(); }

// A tenant with a stored calculation of 200 synthetic customers.
struct Shop {
  Account owner;
  service::clvtest::SyntheticShop orders;
  std::int64_t fit_id = 0;
  std::int64_t customers = 0;
};

}  // namespace

class ApiClvSuite : public ApiTest {
 protected:
  Shop MakeShop(const std::string& email, const std::string& prefix, std::uint64_t seed,
                bool calculate = true) {
    Shop s;
    s.owner = Register(email, prefix + " shop");
    s.orders = service::clvtest::MakeShop(200, seed, kNow, 730, prefix);
    const TenantId tenant{s.owner.tenant_id};
    service::clvtest::StoreShop(app().store(), tenant, s.orders, kNow);
    if (calculate) {
      Result<service::clvtest::StoredCalculation> c =
          service::clvtest::CalculateAndStore(app().store(), tenant, kNow - 1, kNow);
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      if (c.ok()) {
        s.fit_id = c->fit.id;
        s.customers = c->result.customers;
      }
    }
    return s;
  }
};

namespace {

TEST_P(ApiClvSuite, CustomersPagesEverySortCompletelyAndMatchesTheFit) {
  Shop a = MakeShop("owner@a.example", "A-", 11);
  ASSERT_GT(a.customers, 100);
  TestResponse first = Get("/clv/customers?limit=5", a.owner.access_token);
  ASSERT_EQ(first.status, 200) << first.body;
  json::object page = JsonOf(first).as_object();
  EXPECT_EQ(page.at("currency").as_string(), "USD");
  EXPECT_EQ(Int(page.at("fit_id")), a.fit_id);
  EXPECT_EQ(page.at("as_of").as_string(), "2025-05-31");
  ASSERT_EQ(page.at("items").as_array().size(), 5u);
  const json::object& item = page.at("items").as_array()[0].as_object();
  for (const char* field : {"id", "external_id", "source", "email", "orders", "first_order_date",
                            "last_order_date", "historical_clv_minor", "predicted_clv_minor",
                            "predicted_clv_interval", "p_alive", "expected_purchases_30d",
                            "expected_purchases_90d", "expected_purchases_365d", "churn_risk",
                            "value_at_risk_minor", "segment", "clv_tier"}) {
    EXPECT_TRUE(item.contains(field)) << field;
  }
  EXPECT_TRUE(item.at("predicted_clv_minor").is_int64());
  EXPECT_EQ(item.at("segment").as_object().size(), 2u);  // key and name
  EXPECT_EQ(item.at("predicted_clv_interval").at("level").as_double(), 0.8);

  for (const char* sort : {"predicted_clv", "historical_clv", "p_alive", "expected_purchases",
                           "value_at_risk", "last_order"}) {
    for (const char* order : {"asc", "desc"}) {
      const std::string path = std::string("/clv/customers?sort=") + sort + "&order=" + order;
      std::vector<json::object> all = ListAll(path, a.owner.access_token, 23);
      std::set<std::int64_t> ids;
      for (const json::object& o : all) ids.insert(Int(o.at("id")));
      EXPECT_EQ(static_cast<std::int64_t>(all.size()), a.customers) << path;
      EXPECT_EQ(static_cast<std::int64_t>(ids.size()), a.customers) << path << ": duplicates";
      if (std::string(sort) == "value_at_risk" && std::string(order) == "desc") {
        for (std::size_t i = 1; i < all.size(); ++i) {
          EXPECT_GE(Int(all[i - 1].at("value_at_risk_minor")), Int(all[i].at("value_at_risk_minor")));
        }
      }
    }
  }
  // A cursor belongs to its sort.
  json::value next = page.at("next_cursor");
  ASSERT_TRUE(next.is_string());
  TestResponse mixed = Get("/clv/customers?sort=p_alive&cursor=" + std::string(next.as_string()),
                           a.owner.access_token);
  EXPECT_TRUE(IsErrorEnvelope(mixed, 400)) << mixed.body;
}

TEST_P(ApiClvSuite, SegmentsChurnAndCohortsAreConsistent) {
  Shop a = MakeShop("owner@a.example", "A-", 12);
  const std::string& token = a.owner.access_token;

  TestResponse seg = Get("/clv/segments", token);
  ASSERT_EQ(seg.status, 200) << seg.body;
  json::object s = JsonOf(seg).as_object();
  EXPECT_EQ(Int(s.at("total_customers")), a.customers);
  // The fit's members, as every CLV body writes them.
  TestResponse list = Get("/clv/customers?limit=1", token);
  ASSERT_EQ(list.status, 200) << list.body;
  for (const char* member : {"fit_id", "currency", "as_of"}) {
    EXPECT_EQ(s.at(member), JsonOf(list).at(member)) << member;
    EXPECT_FALSE(s.at(member).is_null()) << member;
  }
  ASSERT_EQ(s.at("segments").as_array().size(), 11u);
  ASSERT_EQ(s.at("clv_tiers").as_array().size(), 4u);
  for (const char* table : {"segments", "clv_tiers"}) {
    std::int64_t sum = 0;
    for (const json::value& g : s.at(table).as_array()) {
      sum += Int(g.at("customers"));
      // A filter by the group's key lists exactly its customers.
      const std::string filter = std::string(table) == "segments" ? "segment" : "tier";
      std::vector<json::object> members =
          ListAll("/clv/customers?" + filter + "=" + std::string(g.at("key").as_string()), token);
      EXPECT_EQ(static_cast<std::int64_t>(members.size()), Int(g.at("customers"))) << g;
    }
    EXPECT_EQ(sum, a.customers) << table;
  }
  EXPECT_TRUE(s.at("scoring").at("map").as_object().contains("5"));

  // Churn: ranked by value at risk, all customers, bands add up.
  std::vector<json::object> churn = ListAll("/clv/churn", token, 40);
  ASSERT_EQ(static_cast<std::int64_t>(churn.size()), a.customers);
  for (std::size_t i = 1; i < churn.size(); ++i) {
    EXPECT_GE(Int(churn[i - 1].at("value_at_risk_minor")), Int(churn[i].at("value_at_risk_minor")));
  }
  TestResponse c = Get("/clv/churn?limit=3&churn_risk=high", token);
  ASSERT_EQ(c.status, 200) << c.body;
  json::object cj = JsonOf(c).as_object();
  std::int64_t band_sum = 0;
  for (const json::value& b : cj.at("bands").as_array()) band_sum += Int(b.at("customers"));
  EXPECT_EQ(band_sum, a.customers);
  for (const json::value& i : cj.at("items").as_array()) EXPECT_EQ(i.at("churn_risk").as_string(), "high");

  // Cohorts: sums equal the order log (net of refunds, cancelled orders left out).
  const std::int64_t net = a.orders.paid_total_minor - a.orders.refunded_total_minor;
  for (const char* period : {"week", "month", "quarter"}) {
    TestResponse r = Get(std::string("/clv/cohorts?period=") + period + "&metric=revenue", token);
    ASSERT_EQ(r.status, 200) << r.body;
    json::object m = JsonOf(r).as_object();
    EXPECT_EQ(m.at("as_of").as_string(), "2025-05-31");  // the fit's
    std::int64_t revenue = 0, customers = 0;
    for (const json::value& row : m.at("cohorts").as_array()) {
      customers += Int(row.at("customers"));
      for (const json::value& v : row.at("values").as_array()) revenue += v.is_null() ? 0 : Int(v);
    }
    EXPECT_EQ(revenue, net) << period;
    EXPECT_EQ(Int(m.at("totals").at("revenue_minor")), net);
    EXPECT_EQ(customers, a.customers) << period;
  }
  TestResponse ret = Get("/clv/cohorts?metric=retention", token);
  ASSERT_EQ(ret.status, 200);
  const json::value retention = JsonOf(ret);
  for (const json::value& row : retention.at("cohorts").as_array()) {
    EXPECT_EQ(row.at("values").as_array()[0].as_double(), 1.0);
  }
}

TEST_P(ApiClvSuite, CustomerDetailHasEverythingAndUnknownIdsAre404) {
  Shop a = MakeShop("owner@a.example", "A-", 13);
  const std::string& token = a.owner.access_token;
  std::vector<json::object> top = ListAll("/clv/customers?sort=historical_clv", token, 1000);
  ASSERT_FALSE(top.empty());
  const std::int64_t id = Int(top.front().at("id"));
  TestResponse r = Get("/clv/customers/" + std::to_string(id), token);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object d = JsonOf(r).as_object();
  EXPECT_EQ(Int(d.at("id")), id);
  const json::object& score = d.at("score").as_object();
  EXPECT_EQ(Int(score.at("historical_clv_minor")), Int(top.front().at("historical_clv_minor")));
  EXPECT_EQ(Int(d.at("order_summary").at("net_revenue_minor")), Int(score.at("historical_clv_minor")));
  for (const char* f : {"predicted_clv_minor", "predicted_clv_interval", "expected_purchases_30d",
                        "expected_purchases_90d", "expected_purchases_365d", "p_alive", "churn_risk",
                        "expected_next_order_date", "segment", "rfm", "predicted_clv_months"}) {
    EXPECT_TRUE(score.contains(f)) << f;
  }
  // The detail is written by hand (JsonWriter), the list by boost::json: the members they share
  // carry the same values and JSON types (a double stays a double).
  for (const auto& [key, value] : top.front()) {
    if (key == "id" || key == "external_id" || key == "source" || key == "email") {
      EXPECT_EQ(d.at(key), value) << key;
    } else {
      EXPECT_EQ(score.at(key), value) << key;
    }
  }
  const json::object first_page = JsonOf(Get("/clv/customers?limit=1", token)).as_object();
  for (const char* f : {"fit_id", "currency", "as_of"}) EXPECT_EQ(d.at(f), first_page.at(f)) << f;
  EXPECT_EQ(d.at("order_summary").at("first_order_date"), top.front().at("first_order_date"));
  const json::array& history = d.at("p_alive_history").as_array();
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history.front().at("date").as_string(), top.front().at("first_order_date").as_string());
  EXPECT_TRUE(history.front().at("order").as_bool());
  EXPECT_EQ(history.back().at("date").as_string(), "2025-05-31");

  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/customers/99999999", token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/customers/abc", token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/customers/-1", token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/customers/" + std::to_string(id)), 401));
}

TEST_P(ApiClvSuite, CsvExportStreamsEveryMatchingRow) {
  Shop a = MakeShop("owner@a.example", "A-", 14);
  TestResponse r = Send(port(), "GET", "/clv/customers?limit=2&sort=value_at_risk",
                        {{"Authorization", "Bearer " + a.owner.access_token}, {"Accept", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type").rfind("text/csv", 0), 0u);
  std::istringstream in(r.body);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  EXPECT_EQ(line, kCsvColumns);
  std::set<std::int64_t> ids;
  std::int64_t rows = 0, previous_var = INT64_MAX;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++rows;
    ids.insert(std::stoll(line.substr(0, line.find(','))));
    // value_at_risk_minor is the 17th column; no cell before it is quoted (no commas in ids).
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    ASSERT_GE(cells.size(), 21u) << line;
    const std::int64_t var = std::stoll(cells[16]);
    EXPECT_LE(var, previous_var);
    previous_var = var;
    EXPECT_EQ(cells[19], "USD");
  }
  EXPECT_EQ(rows, a.customers);  // every row, not the first page of 2
  EXPECT_EQ(static_cast<std::int64_t>(ids.size()), a.customers);

  // Filtered: exactly the filtered rows.
  TestResponse high = Send(port(), "GET", "/clv/customers?churn_risk=low",
                           {{"Authorization", "Bearer " + a.owner.access_token}, {"Accept", "text/csv"}});
  ASSERT_EQ(high.status, 200);
  const std::size_t csv_rows = static_cast<std::size_t>(std::count(high.body.begin(), high.body.end(), '\n')) - 1;
  EXPECT_EQ(csv_rows, ListAll("/clv/customers?churn_risk=low", a.owner.access_token).size());
  // A bad filter is still a JSON 400 envelope, not a broken CSV.
  TestResponse bad = Send(port(), "GET", "/clv/customers?segment=whales",
                          {{"Authorization", "Bearer " + a.owner.access_token}, {"Accept", "text/csv"}});
  EXPECT_TRUE(IsErrorEnvelope(bad, 400)) << bad.body;
}

TEST_P(ApiClvSuite, BadParametersAre400WithTheEnvelope) {
  Shop a = MakeShop("owner@a.example", "A-", 15, /*calculate=*/false);
  for (const char* target :
       {"/clv/customers?sort=name", "/clv/customers?order=up", "/clv/customers?segment=whales",
        "/clv/customers?churn_risk=extreme", "/clv/customers?tier=top_5", "/clv/customers?limit=0x",
        "/clv/customers?limit=100000", "/clv/customers?cursor=%21%21not-a-cursor",
        "/clv/churn?churn_risk=none", "/clv/churn?limit=-4", "/clv/cohorts?period=year",
        "/clv/cohorts?metric=profit", "/clv/cohorts?as_of=2024-13-01", "/clv/cohorts?as_of=yesterday"}) {
    TestResponse r = Get(target, a.owner.access_token);
    EXPECT_TRUE(IsErrorEnvelope(r, 400)) << target << ": " << r.status << " " << r.body;
  }
}

TEST_P(ApiClvSuite, TenantsAreIsolatedAndViewersCanRead) {
  Shop a = MakeShop("owner@a.example", "A-", 16);
  Shop b = MakeShop("owner@b.example", "B-", 17, /*calculate=*/false);
  // B has no calculation: empty lists with null fit, never A's rows.
  TestResponse list = Get("/clv/customers", b.owner.access_token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(JsonOf(list).at("items").as_array().empty());
  EXPECT_TRUE(JsonOf(list).at("fit_id").is_null());
  TestResponse seg = Get("/clv/segments", b.owner.access_token);
  ASSERT_EQ(seg.status, 200);
  EXPECT_EQ(Int(JsonOf(seg).at("total_customers")), 0);
  EXPECT_TRUE(JsonOf(Get("/clv/churn", b.owner.access_token)).at("items").as_array().empty());
  // A's customer ids asked by B: 404, or B's own customer (ids are per tenant), never A's.
  for (const json::object& c : ListAll("/clv/customers", a.owner.access_token)) {
    TestResponse r = Get("/clv/customers/" + std::to_string(Int(c.at("id"))), b.owner.access_token);
    if (r.status == 404) continue;
    ASSERT_EQ(r.status, 200) << r.body;
    json::value d = JsonOf(r);
    EXPECT_EQ(std::string(d.at("external_id").as_string()).rfind("B-", 0), 0u);
    EXPECT_TRUE(d.at("score").is_null());
    EXPECT_TRUE(d.at("p_alive_history").as_array().empty());
  }
  // B's cohorts are B's orders only.
  TestResponse bc = Get("/clv/cohorts?metric=customers", b.owner.access_token);
  ASSERT_EQ(bc.status, 200);
  EXPECT_EQ(Int(JsonOf(bc).at("totals").at("revenue_minor")),
            b.orders.paid_total_minor - b.orders.refunded_total_minor);

  Account viewer = AddUser(a.owner.tenant_id, "viewer@a.example", Role::kViewer);
  for (const char* target : {"/clv/customers", "/clv/segments", "/clv/churn", "/clv/cohorts"}) {
    EXPECT_EQ(Get(target, viewer.access_token).status, 200) << target;
    EXPECT_TRUE(IsErrorEnvelope(Get(target), 401)) << target;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiClvSuite, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
