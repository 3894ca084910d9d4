-- Sample tables for `make demo`: the common shapes pgtide meets.
CREATE TABLE customers (
  id         bigint PRIMARY KEY,
  name       text NOT NULL,
  email      text,
  balance    numeric(12,2),
  tags       text[],
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers
SELECT g, 'customer ' || g, 'c' || g || '@example.com', g * 1.25, ARRAY['tier' || (g % 3)],
       timestamptz '2024-03-01 00:00:00+00' + make_interval(hours => g)
FROM generate_series(1, 500) g;

-- A partitioned table: extracted once, through its parent.
CREATE TABLE events (
  id         bigint,
  kind       text,
  payload    jsonb,
  updated_at timestamptz
) PARTITION BY RANGE (updated_at);
CREATE TABLE events_2024_03 PARTITION OF events
  FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE events_default PARTITION OF events DEFAULT;
INSERT INTO events
SELECT g, (ARRAY['click', 'view', 'buy'])[1 + g % 3], jsonb_build_object('n', g),
       CASE WHEN g % 50 = 0 THEN NULL  -- NULL cursors land in __HIVE_DEFAULT_PARTITION__
            ELSE timestamptz '2024-03-01 00:00:00+00' + make_interval(mins => g * 7) END
FROM generate_series(1, 2000) g;

-- A table without the cursor column: reloaded in full on every run.
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
INSERT INTO countries VALUES ('DE', 'Germany'), ('FR', 'France'), ('JP', 'Japan');

-- Names that need quoting.
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Order Items" (
  "Order Id" bigint, "select" int, sku uuid DEFAULT gen_random_uuid(),
  updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO "Sales"."Order Items" ("Order Id", "select")
SELECT g, g % 7 FROM generate_series(1, 100) g;
