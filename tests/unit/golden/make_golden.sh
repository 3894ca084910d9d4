#!/usr/bin/env bash
# Regenerates the golden binary COPY streams of the decoder tests from a running PostgreSQL:
#   PGTIDE_TEST_PG_URI=... tests/unit/golden/make_golden.sh
# Each NAME.bin is `COPY (SELECT ...) TO STDOUT (FORMAT binary)` of the query beside it.
set -euo pipefail
cd "$(dirname "$0")"
q() { psql "$PGTIDE_TEST_PG_URI" -X -q -c "SET TimeZone='UTC'" -c "COPY ($2) TO STDOUT (FORMAT binary)" > "$1.bin"; }
q ints     "SELECT v::smallint, (v * 1000)::int, (v::bigint * 1000000000000) FROM (VALUES (1), (-2), (NULL), (32767)) t(v)"
q extremes "SELECT (-32768)::smallint, (-2147483648)::int, (-9223372036854775808)::bigint UNION ALL SELECT 32767::smallint, 2147483647, 9223372036854775807"
q floats   "SELECT v::real, v::double precision FROM (VALUES ('1.5'), ('-0.25'), ('NaN'), ('Infinity'), ('-Infinity'), (NULL)) t(v)"
q numeric  "SELECT v::numeric(12,2), v::numeric(38,10) FROM (VALUES ('0'), ('123.45'), ('-0.01'), ('9999999999.99'), ('10000'), (NULL)) t(v)"
q text     "SELECT v::text, v::varchar(10), v::char(6), v::bytea FROM (VALUES ('héllo'), (''), (NULL)) t(v)"
q temporal "SELECT d::date, ts::timestamp, ts::timestamptz, t::time FROM (VALUES ('2024-02-29', '2024-02-29 13:14:15.123456', '13:14:15.5'), ('1999-12-31', '1970-01-01 00:00:00', '00:00:00'), ('infinity', 'infinity', '23:59:59.999999'), ('-infinity', '-infinity', NULL)) t(d, ts, t)"
q misc     "SELECT true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '{\"a\": [1, 2]}'::json, '{\"b\": null}'::jsonb UNION ALL SELECT false, NULL, NULL, NULL"
q arrays   "SELECT ARRAY[1, NULL, 3]::int[], ARRAY['x', 'y']::text[], '{}'::int[] UNION ALL SELECT NULL, ARRAY[NULL]::text[], ARRAY[7]"
q arrays2d "SELECT ARRAY[[1, 2], [3, 4]]::int[]"
q interval "SELECT v::interval FROM (VALUES ('1 year 2 mons 3 days 04:05:06.789'), ('-1 mons +1 days -00:00:00.000001'), ('178956970 years 7 mons 2147483647 days 2562047788:00:54.775807'), (NULL)) t(v)"
q money    "SELECT v::money::numeric FROM (VALUES ('12.34'), ('-92233720368547758.08'), ('92233720368547758.07'), (NULL)) t(v)"
q limits   "SELECT ts::timestamp, a::int[] FROM (VALUES ('294247-01-10 04:00:54.775806', '{1}'), ('294247-01-10 04:00:54.775807', '[0:1]={1,2}')) t(ts, a)"
