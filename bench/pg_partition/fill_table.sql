-- Included by attach.sql (\ir): a table :"t" LIKE orders holding tenant :src's orders relabelled
-- as tenant :v, with orders' constraints and indexes; :check = 1 adds CHECK (tenant_id = :v).
CREATE TABLE :"t" (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
\if :check
ALTER TABLE :"t" ADD CHECK (tenant_id = :v);
\endif
INSERT INTO :"t" SELECT :v, id, source, external_id, customer_id, placed_at, currency,
  total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders WHERE tenant_id = :src;
ALTER TABLE :"t" ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON :"t" (tenant_id, customer_id, placed_at, id);
