'use strict';
// Baseline for bench/api/run.sh: GET /clv/customers/:id written the way the seed's stack would
// (Fastify + node-postgres, node cluster), over the SAME PostgreSQL database that `clv serve`
// uses and answering the same JSON.
//
// What one request does, step for step as src/http/handlers/clv_handlers.cc +
// src/service/clv_queries.cc (GetCustomer) + src/storage/postgres (the same SQL texts):
//   1. verify the HS256 access token (iss "clv", typ "access", exp/iat with 60 s leeway) with the
//      server's JWT_SECRET; tenant = claim "tid"; role must allow read_data (every role does);
//   2. SELECT the customer row                         (kGetCustomer)
//   3. SELECT the tenant's current model fit           (its typed columns; not the ~90 KB report
//      column, which this response does not use — ours stopped reading it too)
//   4. SELECT the customer's score joined to customers (GetCustomerScore)
//   5. SELECT the customer's orders (net of cancelled) (AnalysisRowsForCustomers) and net the
//      refunds into the orders as service/calculation_input.cc does -> order_summary;
//   6. answer the same JSON fields in the same order.
// NOT done here: "p_alive_history" (ours evaluates the fitted purchase model at every purchase
// date and weekly/monthly in between; porting the models to JS is out of scope), so this server
// always answers "p_alive_history": [] — i.e. it does strictly less work per request than ours.
// Queries run one after another on a pooled connection, as a Fastify service would write them;
// ours sends one statement (customer, score, fit and orders) per request since session 3.
//
// Environment: DATABASE_URL (postgresql://...), JWT_SECRET, PORT (default 3101),
// HOST (127.0.0.1), WORKERS (2), PG_POOL_SIZE (per worker, default 10 = node-postgres default).
const cluster = require('node:cluster');

const workers = Number(process.env.WORKERS || 2);

if (cluster.isPrimary && workers > 0) {
  for (let i = 0; i < workers; ++i) cluster.fork();
  let ready = 0;
  cluster.on('message', (_w, msg) => {
    if (msg === 'listening' && ++ready === workers) console.log(`fastify: ${workers} workers listening`);
  });
  cluster.on('exit', (w, code, signal) => {
    console.error(`fastify: worker ${w.process.pid} exited (${signal || code})`);
    // No worker left (e.g. every listen failed): exit too, so that the bench script sees it at
    // once instead of waiting for a port nobody listens on.
    if (Object.keys(cluster.workers).length === 0) process.exit(1);
  });
  const stop = () => {
    for (const id in cluster.workers) cluster.workers[id].kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  startWorker();
}

function startWorker() {
  const fastify = require('fastify')({ logger: false });
  const { Pool, types } = require('pg');
  const { createVerifier } = require('fast-jwt');

  // BIGINT (int8) columns: ids and microsecond times stay below 2^53, so numbers are exact.
  types.setTypeParser(20, (v) => Number(v));

  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.PG_POOL_SIZE || 10),
  });
  const secret = process.env.JWT_SECRET;
  if (!secret || secret.length < 32) throw new Error('JWT_SECRET (>= 32 bytes) is required');
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: 'clv',
    clockTolerance: 60,
    cache: false, // ours verifies the HMAC on every request
  });

  const MICROS_PER_DAY = 86400e6;
  const SEGMENTS = {
    champions: 'Champions', loyal_customers: 'Loyal Customers',
    potential_loyalist: 'Potential Loyalist', new_customers: 'New Customers',
    promising: 'Promising', need_attention: 'Need Attention', about_to_sleep: 'About To Sleep',
    at_risk: 'At Risk', cant_lose_them: "Can't Lose Them", hibernating: 'Hibernating', lost: 'Lost',
  };
  const TIERS = { top_1: 'Top 1%', top_10: 'Top 10%', top_50: 'Top 50%', rest: 'Rest' };

  const SQL_CUSTOMER =
    'SELECT tenant_id, id, source, external_id, email, first_order_at, last_order_at, ' +
    'order_count, created_at FROM customers WHERE tenant_id = $1 AND id = $2';
  const SQL_FIT =
    'SELECT tenant_id, id, job_id, created_at, as_of, as_of_explicit, currency, model, model_params, ' +
    'gamma_gamma_params, spend_model, period, resolution, horizon_periods, clv_months, ' +
    'discount_rate_monthly, margin, customers FROM model_fits ' +
    'WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1';
  const SQL_SCORE =
    'SELECT customer_id, fit_id, frequency, recency, age, monetary, orders, first_order_day, ' +
    'last_order_day, historical_clv_minor, p_alive, expected_purchases_30d, ' +
    'expected_purchases_90d, expected_purchases_365d, expected_purchases_horizon, ' +
    'expected_spend_minor, predicted_clv_minor, clv_lower_minor, clv_upper_minor, churn_risk, ' +
    'value_at_risk_minor, rfm_recency, rfm_frequency, rfm_monetary, segment, clv_tier, ' +
    'expected_next_order_day, updated_at, c.tenant_id, c.id, c.source, c.external_id, c.email, ' +
    'c.first_order_at, c.last_order_at, c.order_count, c.created_at ' +
    'FROM customer_scores s JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id ' +
    'WHERE s.tenant_id = $1 AND s.customer_id = $2';
  const SQL_ORDERS =
    "SELECT customer_id, placed_at, CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, " +
    "currency FROM orders WHERE tenant_id = $1 AND customer_id = ANY ($2::bigint[]) " +
    "AND status <> 'cancelled' ORDER BY customer_id, placed_at, id";

  const pad = (n, w) => String(n).padStart(w, '0');
  function formatDate(us) {
    const d = new Date(Math.floor(us / 1000));
    return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  }
  function formatRfc3339(us) {
    const d = new Date(Math.floor(us / 1000));
    let s = `${formatDate(us)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    const micros = ((us % 1e6) + 1e6) % 1e6;
    if (micros !== 0) s += micros % 1000 === 0 ? `.${pad(micros / 1000, 3)}` : `.${pad(micros, 6)}`;
    return s + 'Z';
  }
  const dateOrNull = (day) => (day < 0 ? null : formatDate(day * MICROS_PER_DAY));
  const minor = (v) => (v === null || !Number.isFinite(v) ? 0 : Math.round(v));
  const minorOrNull = (v) => (v === null || !Number.isFinite(v) ? null : Math.round(v));

  function problem(reply, status, code, message) {
    return reply.code(status).send({ error: { code, message } });
  }

  // service/calculation_input.cc: refunds reduce the latest earlier orders; fully refunded
  // orders are not purchases; rows after as_of are ignored; several currencies -> no summary.
  function orderSummary(rows, asOfUs) {
    const pending = [];
    let refunded = 0;
    const currencies = new Set();
    for (const r of rows) {
      const placed = r[1];
      if (placed > asOfUs) continue;
      currencies.add(r[3]);
      const amount = r[2];
      if (amount >= 0) {
        pending.push({ net: amount, refunded: false });
        continue;
      }
      let remaining = -amount;
      for (let i = pending.length - 1; i >= 0 && remaining > 0; --i) {
        const take = Math.min(remaining, pending[i].net);
        if (take <= 0) continue;
        pending[i].net -= take;
        pending[i].refunded = true;
        remaining -= take;
        refunded += take;
      }
    }
    if (currencies.size > 1) return { purchases: 0, net: 0, refunded: 0 };
    let purchases = 0;
    let net = 0;
    for (const o of pending) {
      if (o.refunded && o.net === 0) continue;
      ++purchases;
      net += o.net;
    }
    return { purchases, net, refunded };
  }

  fastify.get('/clv/customers/:id', async (request, reply) => {
    const auth = request.headers.authorization || '';
    if (!auth.startsWith('Bearer ')) return problem(reply, 401, 'unauthenticated', 'missing bearer token');
    let claims;
    try {
      claims = verify(auth.slice(7));
    } catch (e) {
      return problem(reply, 401, 'unauthenticated', 'invalid token');
    }
    if (claims.typ !== 'access' || !/^[0-9]+$/.test(claims.tid || '') || !claims.jti) {
      return problem(reply, 401, 'unauthenticated', 'invalid token');
    }
    const tenant = Number(claims.tid);
    if (!/^[1-9][0-9]{0,17}$/.test(request.params.id)) return problem(reply, 404, 'not_found', 'customer not found');
    const id = Number(request.params.id);

    const client = await pool.connect();
    let c, fit, score, rows;
    try {
      const cr = await client.query({ text: SQL_CUSTOMER, values: [tenant, id], rowMode: 'array' });
      if (cr.rows.length === 0) return problem(reply, 404, 'not_found', `customer ${id} not found`);
      c = cr.rows[0];
      const fr = await client.query({ text: SQL_FIT, values: [tenant] });
      fit = fr.rows[0] || null;
      const sr = await client.query({ text: SQL_SCORE, values: [tenant, id], rowMode: 'array' });
      score = sr.rows[0] || null;
      const or = await client.query({ text: SQL_ORDERS, values: [tenant, `{${id}}`], rowMode: 'array' });
      rows = or.rows;
    } finally {
      client.release();
    }

    const asOf = fit ? fit.as_of : Date.now() * 1000;
    const sum = orderSummary(rows, asOf);
    const out = {
      id: c[1],
      external_id: c[3],
      source: c[2],
      email: c[4] === '' ? null : c[4],
      created_at: formatRfc3339(c[8]),
      fit_id: fit ? fit.id : null,
      currency: fit ? fit.currency : null,
      as_of: fit ? formatDate(fit.as_of) : null,
      order_summary: {
        purchases: sum.purchases,
        net_revenue_minor: sum.net,
        refunded_minor: sum.refunded,
        first_order_date: c[5] ? formatDate(c[5]) : null,
        last_order_date: c[6] ? formatDate(c[6]) : null,
      },
    };
    if (score) {
      const s = score;
      out.score = {
        orders: s[6],
        first_order_date: dateOrNull(s[7]),
        last_order_date: dateOrNull(s[8]),
        historical_clv_minor: s[9],
        predicted_clv_minor: minor(s[16]),
        predicted_clv_interval: { level: 0.8, lower_minor: minorOrNull(s[17]), upper_minor: minorOrNull(s[18]) },
        p_alive: s[10],
        expected_purchases_30d: s[11],
        expected_purchases_90d: s[12],
        expected_purchases_365d: s[13],
        churn_risk: s[19],
        value_at_risk_minor: minor(s[20]),
        segment: { key: s[24], name: SEGMENTS[s[24]] || s[24] },
        clv_tier: { key: s[25], name: TIERS[s[25]] || s[25] },
        frequency: s[2],
        recency: s[3],
        age: s[4],
        time_unit: fit ? fit.period : null,
        expected_spend_minor: minor(s[15]),
        predicted_clv_months: fit ? fit.clv_months : 12,
        rfm: { recency: s[21], frequency: s[22], monetary: s[23] },
        expected_next_order_date: dateOrNull(s[26]),
        updated_at: formatRfc3339(s[27]),
      };
    } else {
      out.score = null;
    }
    out.p_alive_history = [];
    return out;
  });

  fastify.listen({ port: Number(process.env.PORT || 3101), host: process.env.HOST || '127.0.0.1' })
    .then(() => { if (process.send) process.send('listening'); })
    .catch((e) => { console.error(e); process.exit(1); });
}
